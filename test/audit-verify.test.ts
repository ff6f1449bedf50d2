// GET /~t/audit/verify: the tenant's hash chain verified inside its log, in pages; a broken chain is a
// 200 finding with the first break. Tampering is done in SQLite, as an attacker with the disk would.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, sha256Hex } from '../domain/events';
import { aContact, aKey, created } from './builders';
import { aTenant, api, apiJson } from './http';
import { expectProblem } from './problem';

const stubOf = (tenant: string) => env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant));

async function aTenantWithEvents(contacts: number): Promise<{ tenant: string; head: number; lastHash: string }> {
  const tenant = aTenant();
  for (let i = 0; i < contacts; i++) await created(tenant, 'contacts', aContact());
  const events = (await apiJson<{ data: Record<string, any>[] }>(`/~${tenant}/events?limit=1000`)).body.data;
  return { tenant, head: events.at(-1)!['seq'], lastHash: events.at(-1)!['hash'] };
}

async function tamper(tenant: string, statement: string, ...bindings: SqlStorageValue[]): Promise<void> {
  await runInDurableObject(stubOf(tenant), (_, state) => {
    state.storage.sql.exec(statement, ...bindings);
  });
}

const verify = (tenant: string, query = '') => apiJson(`/~${tenant}/audit/verify${query}`);

describe('GET /~t/audit/verify on a healthy log', () => {
  it('answers ok with the head, the last seq verified and its hash', async () => {
    const { tenant, head, lastHash } = await aTenantWithEvents(4);
    const answer = await verify(tenant);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ok: true, head, from: 1, verified: head, hash: lastHash, next: null });
  });

  it('answers ok for an empty log, at the genesis hash', async () => {
    const tenant = aTenant();
    expect((await verify(tenant)).body).toEqual({
      ok: true,
      head: 0,
      from: 1,
      verified: 0,
      hash: GENESIS_HASH,
      next: null,
    });
  });

  it('stops after limit events and continues from next to the same hash', async () => {
    const { tenant, head, lastHash } = await aTenantWithEvents(5);
    const first = await verify(tenant, '?limit=2');
    expect(first.body).toMatchObject({ ok: true, verified: 2, next: 3 });
    let answer = first;
    while (answer.body['next'] !== null) answer = await verify(tenant, `?from=${answer.body['next']}&limit=2`);
    expect(answer.body).toMatchObject({ ok: true, head, verified: head, hash: lastHash });
  });

  it('verifies across SQL pages of 5,000 events', { timeout: 60_000 }, async () => {
    const tenant = aTenant();
    for (let b = 0; b < 6; b++) {
      const operations = Array.from({ length: 1_000 }, () => ({ type: 'Contact', verb: 'create', data: aContact() }));
      expect((await api(`/~${tenant}/batch`, { method: 'POST', body: { operations, atomic: true } })).status).toBe(200);
    }
    const healthy = await verify(tenant);
    expect(healthy.body).toMatchObject({ ok: true, verified: healthy.body['head'], next: null });
    expect(healthy.body['head']).toBeGreaterThan(5_000);
    await tamper(tenant, 'DELETE FROM events WHERE seq = 5001');
    expect((await verify(tenant)).body).toMatchObject({
      ok: false,
      verified: 5_000,
      firstBreak: { seq: 5_001, reason: 'expected seq 5001, found 5002' },
    });
  });

  it('is open to a read key; refused without a credential; bad parameters are 400', async () => {
    const { tenant } = await aTenantWithEvents(1);
    const { key } = await aKey(tenant, ['read']);
    expect((await api(`/~${tenant}/audit/verify`, { token: key })).status).toBe(200);
    expect((await api(`/~${tenant}/audit/verify`, { token: null })).status).toBe(401);
    await expectProblem(tenant, `/~${tenant}/audit/verify?from=0`, {}, 400);
    await expectProblem(tenant, `/~${tenant}/audit/verify?from=99`, {}, 400);
    await expectProblem(tenant, `/~${tenant}/audit/verify?limit=50001`, {}, 400);
    await expectProblem(tenant, `/~${tenant}/audit/verify`, { method: 'POST', body: {} }, 405);
  });
});

describe('GET /~t/audit/verify on a tampered log', () => {
  it('finds an event whose data was changed', async () => {
    const { tenant, head } = await aTenantWithEvents(4);
    await tamper(tenant, "UPDATE events SET data = json_set(data, '$.name', 'Mallory') WHERE seq = 2");
    const answer = await verify(tenant);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      ok: false,
      head,
      from: 1,
      verified: 1,
      firstBreak: { seq: 2, reason: 'data does not match datahash' },
    });
  });

  it('finds changed data whose datahash was rewritten to match', async () => {
    const { tenant } = await aTenantWithEvents(4);
    await tamper(
      tenant,
      'UPDATE events SET data = \'{"name":"Mallory"}\', data_hash = ? WHERE seq = 3',
      sha256Hex('{"name":"Mallory"}'),
    );
    expect((await verify(tenant)).body).toMatchObject({
      ok: false,
      verified: 2,
      firstBreak: { seq: 3, reason: 'hash does not match the event' },
    });
  });

  it('finds a deleted event', async () => {
    const { tenant } = await aTenantWithEvents(4);
    await tamper(tenant, 'DELETE FROM events WHERE seq = 3');
    expect((await verify(tenant)).body).toMatchObject({
      ok: false,
      verified: 2,
      firstBreak: { seq: 3, reason: 'expected seq 3, found 4' },
    });
  });

  it('finds a deleted last event (the log remembers its head)', async () => {
    const { tenant, head } = await aTenantWithEvents(3);
    await tamper(tenant, 'DELETE FROM events WHERE seq = ?', head);
    expect((await verify(tenant)).body).toMatchObject({
      ok: false,
      head,
      verified: head - 1,
      firstBreak: { seq: head, reason: `missing: the log's head is ${head}` },
    });
  });

  it('finds a break before a continued run', async () => {
    const { tenant } = await aTenantWithEvents(4);
    await tamper(tenant, 'DELETE FROM events WHERE seq = 2');
    expect((await verify(tenant, '?from=3')).body).toMatchObject({
      ok: false,
      verified: 1,
      firstBreak: { seq: 2, reason: 'expected seq 2, found none' },
    });
  });
});
