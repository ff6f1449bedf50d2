// Property, through the Worker and the Durable Object: after random command sequences the log verifies
// (chain and state), and any one stored row changed afterwards (an entity's fields or version, a unique
// value, a reference) is found by /audit/verify and named by the entity it belongs to.
import { runInDurableObject } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMAILS, POOL, scenario, type Step } from './domain/commands.arbitrary';
import { aTenant, apiJson } from './http';
import { logStub } from './projection-helpers';

function toOperation(s: Step, ids: readonly string[]): Record<string, unknown> {
  const contact = (verb: string, data?: Record<string, unknown>, i?: number) => ({
    type: 'Contact',
    verb,
    ...(i === undefined ? {} : { id: ids[i] }),
    ...(data ? { data } : {}),
  });
  const mail = (i: number | undefined) => (i === undefined ? {} : { email: EMAILS[i] });
  switch (s.op) {
    case 'create':
      return { ...contact('create', { name: `C${s.i}`, ...mail(s.email), ...(s.stage ? { stage: s.stage } : {}) }) };
    case 'update': {
      const { email, manager, ...rest } = s.data;
      const ref = manager === undefined ? {} : { manager: manager === null ? null : ids[manager] };
      return contact('update', { ...rest, ...mail(email), ...ref }, s.i);
    }
    case 'qualify':
    case 'delete':
      return contact(s.op, undefined, s.i);
    case 'assign':
      return contact('assign', { owner: s.owner }, s.i);
    case 'capture':
      return contact('capture', { name: 'Captured', email: EMAILS[s.email], source: s.source });
    case 'merge':
      return contact('merge', { sources: s.sources.map((i) => ids[i]) }, s.i);
    case 'enrich':
      return contact(
        'enrich',
        { data: { ...(s.title ? { title: s.title } : {}), ...mail(s.email) }, source: 'prop' },
        s.i,
      );
    case 'activity':
      return { type: 'Activity', verb: 'create', data: { subject: 'A', type: s.type, contact: ids[s.i] } };
  }
}

type Tamper = { readonly table: 'entities' | 'uniques' | 'refs'; readonly pick: number; readonly how: number };
const tamper: fc.Arbitrary<Tamper> = fc.record({
  table: fc.constantFrom('entities' as const, 'uniques' as const, 'refs' as const),
  pick: fc.nat(),
  how: fc.nat({ max: 1 }),
});

// Changes one row of the table (if it has any); answers the entity the row belongs to.
async function spoil(tenant: string, t: Tamper): Promise<string | undefined> {
  return runInDurableObject(logStub(tenant), (_i, state) => {
    const sql = state.storage.sql;
    const owner = { entities: 'id', uniques: 'entity_id', refs: 'source_id' }[t.table];
    const rows = sql.exec(`SELECT * FROM ${t.table} ORDER BY 1, 2, 3`).toArray();
    if (rows.length === 0) return undefined;
    const row = rows[t.pick % rows.length]!;
    const key = (table: string) =>
      ({
        entities: ['id = ?', row['id']],
        uniques: ['noun = ? AND field = ? AND value = ?', row['noun'], row['field'], row['value']],
        refs: [
          'target_id = ? AND field = ? AND source_type = ? AND source_id = ?',
          row['target_id'],
          row['field'],
          row['source_type'],
          row['source_id'],
        ],
      })[table]!;
    const [where, ...bindings] = key(t.table) as [string, ...SqlStorageValue[]];
    if (t.table === 'entities') {
      const change = t.how ? "fields = json_set(fields, '$.title', 'Tampered')" : 'version = version + 1';
      sql.exec(`UPDATE entities SET ${change} WHERE ${where}`, ...bindings);
    } else if (t.table === 'uniques' && t.how) {
      sql.exec(`UPDATE uniques SET value = 'tampered@example.com' WHERE ${where}`, ...bindings);
    } else {
      sql.exec(`DELETE FROM ${t.table} WHERE ${where}`, ...bindings);
    }
    return String(row[owner]);
  });
}

async function verifyAll(tenant: string): Promise<Record<string, any>> {
  let answer = (await apiJson(`/~${tenant}/audit/verify?limit=7`)).body;
  while (answer['ok'] && answer['next'] !== null)
    answer = (await apiJson(`/~${tenant}/audit/verify?from=${answer['next']}&limit=7`)).body;
  while (answer['ok'] && answer['sweep'] !== undefined)
    answer = (await apiJson(`/~${tenant}/audit/verify?sweep=${answer['sweep']}&limit=7`)).body;
  return answer;
}

describe('GET /~t/audit/verify over random histories', () => {
  it('verifies every healthy history, and names the entity of any one row changed afterwards', {
    timeout: 120_000,
  }, async () => {
    let spoiled = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(scenario, tamper, async (steps, t) => {
        const tenant = aTenant('vprop');
        // The pool: unique emails, so the atomic batch is never refused; the steps then collide on EMAILS.
        const seeds = steps.slice(0, POOL).map((s, i) => {
          const seed = s as Extract<Step, { op: 'create' }>;
          const data = {
            name: `P${i}`,
            ...(seed.stage ? { stage: seed.stage } : {}),
            ...(seed.email === undefined ? {} : { email: `p${i}@startup.io` }),
          };
          return { type: 'Contact', verb: 'create', data };
        });
        const pool = await apiJson(`/~${tenant}/batch`, { body: { atomic: true, operations: seeds } });
        expect(pool.status).toBe(200);
        const ids: string[] = pool.body['results'].map((r: any) => r.body.$id);
        const run = await apiJson(`/~${tenant}/batch`, {
          body: { operations: steps.slice(POOL).map((s) => toOperation(s, ids)) },
        });
        expect(run.status).toBe(200);
        accepted += run.body['results'].filter((r: any) => r.status < 300).length;

        expect(await verifyAll(tenant)).toMatchObject({ ok: true, next: null });
        const entityId = await spoil(tenant, t);
        if (entityId === undefined) return;
        spoiled++;
        expect(await verifyAll(tenant)).toMatchObject({
          ok: false,
          firstMismatch: { entityId, table: expect.any(String) },
        });
      }),
      { numRuns: 12 },
    );
    // The histories must do things, and most runs must find a row to change.
    expect(accepted).toBeGreaterThan(20);
    expect(spoiled).toBeGreaterThan(6);
  });
});
