// Export and import (issue 10): the log out as NDJSON, each line as the chain hashed it, and back into an
// empty tenant, verified and folded as it streams; a broken line refuses the whole import at its seq.
import { describe, expect, it } from 'vitest';
import { chain, GENESIS_HASH } from '../domain/events';
import { exportLine } from '../domain/export-line';
import { aContact, created } from './builders';
import { aTenant, api, apiJson } from './http';
import { expectProblem } from './problem';

async function exported(tenant: string, query = ''): Promise<string> {
  const answer = await api(`/~${tenant}/export${query}`);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
  return new TextDecoder().decode(await answer.arrayBuffer()); // .text() warns on a non-text media type
}

const importInto = (tenant: string, body: string) =>
  apiJson(`/~${tenant}/import`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });

async function aTenantWithHistory(): Promise<{ tenant: string; id: string }> {
  const tenant = aTenant();
  const contact = await created(tenant, 'contacts', aContact({ phone: '+1 555 0100' }));
  await api(`/~${tenant}/contacts/${contact['$id']}`, { method: 'PATCH', body: { title: 'CTO' } });
  await created(tenant, 'contacts', aContact());
  await api(`/~${tenant}/contacts/${contact['$id']}/assign`, { method: 'POST', body: { owner: 'rep-7' } });
  return { tenant, id: contact['$id'] };
}

const textOf = (v: Record<string, any> | string) => (typeof v === 'string' ? v : JSON.stringify(v));
const linesOf = (text: string) => text.split('\n').filter(Boolean);
const withLine = (text: string, index: number, edit: (event: Record<string, any>) => Record<string, any> | string) =>
  `${linesOf(text)
    .map((line, i) => (i === index ? textOf(edit(JSON.parse(line))) : line))
    .join('\n')}\n`;

describe('GET /~t/export', () => {
  it('answers every event as one CloudEvent line in seq order, data last and canonical', async () => {
    const { tenant } = await aTenantWithHistory();
    const events = linesOf(await exported(tenant)).map((l) => JSON.parse(l));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({
      specversion: '1.0',
      type: 'Contact.Created',
      entitytype: 'Contact',
      datacontenttype: 'application/json',
    });
    expect(events[0].source).toBe(`/contacts/${events[0].subject}`);
    expect(Object.keys(events[0]).at(-1)).toBe('data');
    expect(events[1].prevhash).toBe(events[0].hash);
  });

  it('starts after a seq', async () => {
    const { tenant } = await aTenantWithHistory();
    expect(linesOf(await exported(tenant, '?after=2')).map((l) => JSON.parse(l).seq)[0]).toBe(3);
  });

  it('streams a log longer than one page, and imports it back over several pages', async () => {
    const tenant = aTenant();
    for (let i = 0; i < 3; i++) {
      const operations = Array.from({ length: 1_000 }, () => ({ type: 'Contact', verb: 'create', data: aContact() }));
      expect((await api(`/~${tenant}/batch`, { method: 'POST', body: { operations, atomic: true } })).status).toBe(200);
    }
    const text = await exported(tenant);
    const seqs = linesOf(text).map((l) => JSON.parse(l).seq);
    expect(seqs.length).toBeGreaterThanOrEqual(3_000);
    expect(seqs.every((s, i) => s === i + 1)).toBe(true);
    const copy = aTenant();
    const imported = await importInto(copy, text);
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(await exported(copy)).toBe(text);
    // A break past the first page still refuses the whole import.
    const other = aTenant();
    const broken = await importInto(
      other,
      `${linesOf(text)
        .filter((_, i) => i !== 2_500)
        .join('\n')}\n`,
    );
    expect(broken.body).toMatchObject({ status: 422, seq: 2_501 });
    expect(await exported(other)).toBe('');
  });

  it('needs the admin scope and a valid after', async () => {
    const { tenant } = await aTenantWithHistory();
    await expectProblem(tenant, `/~${tenant}/export`, { token: null }, 401);
    await expectProblem(tenant, `/~${tenant}/export?after=x`, {}, 400);
    const key = await apiJson(`/~${tenant}/keys`, { method: 'POST', body: { name: 'reader', scopes: ['write'] } });
    await expectProblem(tenant, `/~${tenant}/export`, { token: key.body['key'] }, 403);
  });
});

describe('POST /~t/import', () => {
  it('restores an export into an empty tenant; export → import → export is the same bytes', async () => {
    const { tenant, id } = await aTenantWithHistory();
    const original = await exported(tenant);
    const copy = aTenant();
    const answer = await importInto(copy, original);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body['imported']).toBe(linesOf(original).length);
    expect(await exported(copy)).toBe(original);
    expect((await apiJson(`/~${copy}/contacts/${id}`)).body).toMatchObject({ title: 'CTO', owner: 'rep-7' });
    expect((await apiJson(`/~${copy}/audit/verify`)).body['ok']).toBe(true);
    // The restored tenant writes on from its head, and its read model caught up.
    const next = await api(`/~${copy}/contacts`, { method: 'POST', body: aContact() });
    expect(next.headers.get('x-event-seq')).toBe(String(linesOf(original).length + 1));
    const listed = await apiJson(`/~${copy}/contacts?limit=10`, {
      headers: { 'x-min-seq': String(linesOf(original).length + 1) },
    });
    expect(listed.body['data'].length).toBe(3);
  });

  it('refuses a tenant that has events with 409', async () => {
    const { tenant } = await aTenantWithHistory();
    const body = await exported(tenant);
    await expectProblem(
      tenant,
      `/~${tenant}/import`,
      { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } },
      409,
    );
  });

  it('refuses a well-chained log that reuses an event id, or skips an entity version', async () => {
    const entityId = 'contact_01J00000000000000000000001';
    const first = chain(
      {
        type: 'Contact.Created',
        entityType: 'Contact',
        entityId,
        data: { name: 'A' },
        seq: 1,
        id: '01J00000000000000000000001',
        time: '2026-01-01T00:00:00.000Z',
        entityVersion: 1,
        actor: 'admin',
        causationId: null,
        correlationId: null,
      },
      GENESIS_HASH,
    );
    const reused = chain({ ...first, entityId: 'contact_01J00000000000000000000002', seq: 2 }, first.hash);
    const twice = await importInto(aTenant(), `${exportLine(first)}\n${exportLine(reused)}\n`);
    expect(twice.body).toMatchObject({ status: 422, seq: 2, reason: expect.stringMatching(/appears twice/) });
    const skipped = chain({ ...first, id: '01J00000000000000000000003', seq: 2, entityVersion: 3 }, first.hash);
    const gap = await importInto(aTenant(), `${exportLine(first)}\n${exportLine(skipped)}\n`);
    const reason = expect.stringMatching(/entityversion 3 .* expected 2/);
    expect(gap.body).toMatchObject({ status: 422, seq: 2, reason });
  });

  const refusals: [string, (text: string) => string, number, RegExp][] = [
    [
      'changed data',
      (t) => withLine(t, 1, (e) => ({ ...e, data: { ...e.data, changes: { title: { from: null, to: 'CEO' } } } })),
      2,
      /datahash/,
    ],
    [
      'a removed event',
      (t) =>
        `${linesOf(t)
          .filter((_, i) => i !== 2)
          .join('\n')}\n`,
      3,
      /expected seq 3, found 4/,
    ],
    [
      'two events swapped',
      (t) => {
        const l = linesOf(t);
        [l[1], l[2]] = [l[2]!, l[1]!];
        return `${l.join('\n')}\n`;
      },
      2,
      /expected seq 2, found 3/,
    ],
    ['a changed envelope', (t) => withLine(t, 3, (e) => ({ ...e, actor: 'someone-else' })), 4, /hash does not match/],
    ['a line that is not JSON', (t) => withLine(t, 2, () => '{"oops"'), 3, /not JSON/],
  ];
  for (const [what, tamper, seq, reason] of refusals) {
    it(`refuses ${what} with 422 naming seq ${seq}, and keeps nothing of it`, async () => {
      const { tenant } = await aTenantWithHistory();
      const copy = aTenant();
      const answer = await importInto(copy, tamper(await exported(tenant)));
      expect(answer.status, JSON.stringify(answer.body)).toBe(422);
      expect(answer.body['seq']).toBe(seq);
      expect(answer.body['reason']).toMatch(reason);
      expect(await exported(copy)).toBe('');
      const first = await api(`/~${copy}/contacts`, { method: 'POST', body: aContact() });
      expect(first.headers.get('x-event-seq')).toBe('1');
    });
  }
});
