// GET /~t/audit/verify trusts nothing in the data: the stored state (entities, uniques, refs) is
// re-folded from the log with the domain's own evolve, and the first row that differs is named by
// entity id. Tampering is done in SQLite, as an attacker with the disk (or a past bug) would.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { aContact, anOrganization, created } from './builders';
import { aTenant, apiJson } from './http';
import { logStub } from './projection-helpers';

type Row = Record<string, SqlStorageValue>;

async function inLog(tenant: string, statement: string, ...bindings: SqlStorageValue[]): Promise<Row[]> {
  return runInDurableObject(logStub(tenant), (_i, state) => state.storage.sql.exec(statement, ...bindings).toArray());
}

const verify = (tenant: string, query = '') => apiJson(`/~${tenant}/audit/verify${query}`);

/** Every kind of write: references, uniques, an update, a qualify with its after-hooks, a merge, a delete, settings. */
async function aBusyTenant() {
  const tenant = aTenant();
  const org = await created(tenant, 'organizations', anOrganization());
  const boss = await created(
    tenant,
    'contacts',
    aContact({ email: 'boss@startup.io', title: 'CEO', phone: '+1 555 0100', organization: org['$id'], stage: 'Lead' }),
  );
  const ann = await created(tenant, 'contacts', aContact({ manager: boss['$id'], organization: org['$id'] }));
  await apiJson(`/~${tenant}/contacts/${ann['$id']}`, { method: 'PATCH', body: { title: 'CTO' } });
  expect((await apiJson(`/~${tenant}/contacts/${boss['$id']}/qualify`, { method: 'POST' })).status).toBe(200);
  const twin = await created(tenant, 'contacts', aContact());
  expect((await apiJson(`/~${tenant}/contacts/${ann['$id']}/merge`, { body: { sources: [twin['$id']] } })).status).toBe(
    200,
  );
  const gone = await created(tenant, 'contacts', aContact());
  expect((await apiJson(`/~${tenant}/contacts/${gone['$id']}`, { method: 'DELETE' })).status).toBe(204);
  expect((await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { qualifyThreshold: 50 } })).status).toBe(200);
  const events = (await apiJson<{ data: Record<string, any>[] }>(`/~${tenant}/events?limit=1000`)).body.data;
  return {
    tenant,
    org: org['$id'] as string,
    boss: boss['$id'] as string,
    ann: ann['$id'] as string,
    head: events.at(-1)!['seq'] as number,
    lastHash: events.at(-1)!['hash'] as string,
  };
}

describe('GET /~t/audit/verify on a healthy busy log', () => {
  it('answers ok, the state folding to what is stored', async () => {
    const { tenant, head, lastHash } = await aBusyTenant();
    expect((await verify(tenant)).body).toEqual({
      ok: true,
      head,
      from: 1,
      verified: head,
      hash: lastHash,
      next: null,
    });
  });

  it('answers ok paged one event at a time, then the row sweep two rows at a time', async () => {
    const { tenant, head, lastHash } = await aBusyTenant();
    let answer = await verify(tenant, '?limit=1');
    for (let pages = 1; answer.body['next'] !== null; pages++) {
      expect(answer.body).toMatchObject({ ok: true, verified: pages });
      answer = await verify(tenant, `?from=${answer.body['next']}&limit=1`);
    }
    let sweeps = 0;
    for (; answer.body['sweep'] !== undefined; sweeps++) {
      expect(answer.body).toMatchObject({ ok: true, head, verified: head, hash: lastHash, next: null });
      answer = await verify(tenant, `?sweep=${answer.body['sweep']}&limit=2`);
    }
    expect(sweeps).toBeGreaterThan(3);
    expect(answer.body).toEqual({ ok: true, head, from: head + 1, verified: head, hash: lastHash, next: null });
  });

  it('refuses a sweep cursor it did not give out with 400', async () => {
    const { tenant } = await aBusyTenant();
    for (const bad of ['nonsense', btoa('{"t":"events","k":[]}'), btoa('{"t":"uniques","k":["a"]}')]) {
      const answer = await verify(tenant, `?sweep=${encodeURIComponent(bad)}`);
      expect(answer.status).toBe(400);
      expect(answer.body['errors']).toEqual([{ path: '?sweep', message: 'invalid' }]);
    }
  });
});

describe('GET /~t/audit/verify on tampered state', () => {
  it('names an entity row whose fields differ from the fold of its events', async () => {
    const { tenant, ann, head } = await aBusyTenant();
    await inLog(tenant, "UPDATE entities SET fields = json_set(fields, '$.title', 'Intern') WHERE id = ?", ann);
    const answer = await verify(tenant);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      ok: false,
      head,
      firstMismatch: {
        entityId: ann,
        table: 'entities',
        reason: 'the stored row differs from the fold of its events at fields.title (stored "Intern", folded "CTO")',
      },
    });
  });

  it('names the entity in the page that holds its latest event, however the run is paged', async () => {
    const { tenant, ann } = await aBusyTenant();
    const annEvents = (
      await apiJson<{ data: Record<string, any>[] }>(`/~${tenant}/contacts/${ann}/events`)
    ).body.data.filter((e) => e['subject'] === ann);
    const latest = annEvents.at(-1)!['seq'] as number;
    await inLog(tenant, 'UPDATE entities SET version = version + 1 WHERE id = ?', ann);
    let answer = await verify(tenant, '?limit=1');
    while (answer.body['ok'] && answer.body['next'] !== null)
      answer = await verify(tenant, `?from=${answer.body['next']}&limit=1`);
    expect(answer.body).toMatchObject({
      ok: false,
      verified: latest,
      firstMismatch: {
        entityId: ann,
        table: 'entities',
        reason: expect.stringMatching(/^the stored row differs from the fold of its events at version/),
      },
    });
  });

  it('names an entity whose stored row is gone', async () => {
    const { tenant, org } = await aBusyTenant();
    await inLog(tenant, 'DELETE FROM entities WHERE id = ?', org);
    expect((await verify(tenant)).body).toMatchObject({
      ok: false,
      firstMismatch: {
        entityId: org,
        table: 'entities',
        reason: expect.stringMatching(/^no stored row; its events fold to version \d+$/),
      },
    });
  });

  it('names a stored row that no event records', async () => {
    const { tenant } = await aBusyTenant();
    const forged = 'contact_01ARZ3NDEKTSV4RRFFQ69G5FAV';
    await inLog(
      tenant,
      'INSERT INTO entities (id, type, version, created_at, updated_at, fields) VALUES (?, ?, 1, ?, ?, ?)',
      forged,
      'Contact',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '{"name":"Ghost"}',
    );
    expect((await verify(tenant)).body).toMatchObject({
      ok: false,
      firstMismatch: { entityId: forged, table: 'entities', reason: 'a stored row that no event records' },
    });
  });

  it('names a live entity whose unique value lost its row', async () => {
    const { tenant, boss } = await aBusyTenant();
    await inLog(tenant, 'DELETE FROM uniques WHERE entity_id = ?', boss);
    expect((await verify(tenant)).body).toMatchObject({
      ok: false,
      firstMismatch: { entityId: boss, table: 'uniques', reason: 'no row for its email "boss@startup.io"' },
    });
  });

  it('names a unique value indexed to another entity', async () => {
    const { tenant, boss, ann } = await aBusyTenant();
    await inLog(tenant, "UPDATE uniques SET entity_id = ? WHERE noun = 'Contact' AND entity_id = ?", ann, boss);
    expect((await verify(tenant)).body).toMatchObject({
      ok: false,
      firstMismatch: { entityId: boss, table: 'uniques', reason: `its email "boss@startup.io" is indexed to ${ann}` },
    });
  });

  it('names a unique row that no state holds', async () => {
    const { tenant, ann } = await aBusyTenant();
    await inLog(
      tenant,
      "INSERT INTO uniques (noun, field, value, entity_id) VALUES ('Contact', 'email', 'ghost@startup.io', ?)",
      ann,
    );
    expect((await verify(tenant)).body).toMatchObject({
      ok: false,
      firstMismatch: {
        entityId: ann,
        table: 'uniques',
        reason: 'a row for email "ghost@startup.io" that its state does not hold',
      },
    });
  });

  it('names a live reference that lost its row', async () => {
    const { tenant, ann, boss } = await aBusyTenant();
    await inLog(tenant, "DELETE FROM refs WHERE source_id = ? AND field = 'manager'", ann);
    expect((await verify(tenant)).body).toMatchObject({
      ok: false,
      firstMismatch: { entityId: ann, table: 'refs', reason: `no row for its manager → ${boss}` },
    });
  });

  it('names a reference row that no state holds, found by the sweep even when paged', async () => {
    const { tenant, ann, org, head } = await aBusyTenant();
    await inLog(
      tenant,
      "INSERT INTO refs (target_id, field, source_type, source_id) VALUES (?, 'manager', 'Contact', ?)",
      org,
      ann,
    );
    let answer = await verify(tenant, '?limit=3');
    while (answer.body['ok'] && answer.body['next'] !== null)
      answer = await verify(tenant, `?from=${answer.body['next']}&limit=3`);
    while (answer.body['ok'] && answer.body['sweep'] !== undefined)
      answer = await verify(tenant, `?sweep=${answer.body['sweep']}&limit=3`);
    expect(answer.body).toMatchObject({
      ok: false,
      verified: head,
      firstMismatch: {
        entityId: ann,
        table: 'refs',
        reason: `a row for manager → ${org} that its state does not hold`,
      },
    });
  });
});

describe('GET /~t/audit/verify and erasure markers', () => {
  it('treats data replaced by {"$erased": true} as changed data: hashes cover what is stored', async () => {
    const { tenant } = await aBusyTenant();
    await inLog(tenant, 'UPDATE events SET data = \'{"$erased":true}\' WHERE seq = 2');
    expect((await verify(tenant)).body).toMatchObject({
      ok: false,
      verified: 1,
      firstBreak: { seq: 2, reason: 'data does not match datahash' },
    });
  });
});

describe('GET /~t/audit/verify on rows that do not parse', () => {
  it('answers a break for event data that is not JSON, and a mismatch for an entity row that is not', async () => {
    const { tenant, ann } = await aBusyTenant();
    await inLog(tenant, "UPDATE entities SET fields = '{not json' WHERE id = ?", ann);
    const row = await verify(tenant);
    expect(row.status).toBe(200);
    expect(row.body).toMatchObject({
      ok: false,
      firstMismatch: { entityId: ann, table: 'entities', reason: 'the stored row does not parse' },
    });
    await inLog(tenant, "UPDATE events SET data = '{not json' WHERE seq = 3");
    const event = await verify(tenant);
    expect(event.status).toBe(200);
    expect(event.body).toMatchObject({ ok: false, verified: 2, firstBreak: { seq: 3, reason: 'data is not JSON' } });
  });
});
