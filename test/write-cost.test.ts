// What a write costs in SQL statements inside the TenantLog (issue 12, docs/performance.md): each statement
// is a call into SQLite from JavaScript and most of a command's CPU, so the counts are a budget. Counted on
// the object's own SqlStorage (as test/fault-injection.ts wraps it), for the command body alone: the
// outbox drain runs after it on its own timer and is counted apart.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { CommandInput, TenantLog } from '../durable-objects/tenant-log';
import type { CallContext, Result } from '../shared/protocol';
import { ERASURE_RECORDS } from '../durable-objects/schema';
import { aTenant } from './http';
import { logStub } from './projection-helpers';

const ADMIN: CallContext = { tenant: 'cost', principal: { kind: 'admin' } };

interface Inside {
  executeNow(call: CallContext, input: CommandInput): Result<{ entity?: { $id: string } }>;
  runAfterHooks(): Promise<void>;
}

type Exec = SqlStorage['exec'];
const DRAIN = /outbox_cursor|SELECT DISTINCT type FROM events/;

/** Runs `body` in the tenant's object and lists the statements it ran (drain statements left out). */
async function statementsOf<T>(tenant: string, body: (log: Inside) => T | Promise<T>) {
  return runInDurableObject(logStub(tenant), async (instance: TenantLog, state) => {
    const sql = state.storage.sql as SqlStorage & { exec: Exec };
    const original = sql.exec;
    const ran: string[] = [];
    sql.exec = ((query: string, ...bindings: SqlStorageValue[]) => {
      if (!DRAIN.test(query)) ran.push(query.trim().split(/\s+/).slice(0, 4).join(' '));
      return original.call(sql, query, ...bindings);
    }) as Exec;
    try {
      const value = await body(instance as unknown as Inside);
      return { value, ran };
    } finally {
      sql.exec = original;
    }
  });
}

const lead = (n: number) => ({
  name: `Cost ${n}`,
  email: `cost-${n}@startup.io`,
  title: 'CEO',
  phone: '+1 555 0100',
  stage: 'Lead',
});

describe('the SQL statements of a write', () => {
  it('are 3 for a Contact create: the unique email look-up, the event with its entity, the unique value', async () => {
    const tenant = aTenant();
    await statementsOf(tenant, (log) => log.executeNow(ADMIN, { kind: 'create', noun: 'Contact', data: lead(0) }));
    const { value, ran } = await statementsOf(tenant, (log) =>
      log.executeNow(ADMIN, { kind: 'create', noun: 'Contact', data: lead(1) }),
    );
    expect(value.ok).toBe(true);
    expect(ran).toEqual([
      'SELECT entity_id FROM uniques',
      'INSERT INTO event_appends (seq,',
      'INSERT INTO uniques (noun,',
    ]);
  });

  it('are 3 for a qualify and 2 for an assign; the after-hooks (a Deal, an Activity, a rescore) 11', async () => {
    const tenant = aTenant();
    // The bench's qualify-heavy mix: a profile of an organization's CEO scores enough to qualify.
    const { value: org } = await statementsOf(tenant, (log) =>
      log.executeNow(ADMIN, { kind: 'create', noun: 'Organization', data: { name: 'Cost Org' } }),
    );
    const organization = org.ok ? org.value.entity!.$id : '';
    const { value: created } = await statementsOf(tenant, (log) =>
      log.executeNow(ADMIN, { kind: 'create', noun: 'Contact', data: { ...lead(2), organization } }),
    );
    const id = created.ok ? created.value.entity!.$id : '';
    const qualify = await statementsOf(tenant, (log) =>
      log.executeNow(ADMIN, { kind: 'qualify', noun: 'Contact', id }),
    );
    expect(qualify.value).toMatchObject({ ok: true });
    expect(qualify.ran).toHaveLength(3);
    const hooks = await statementsOf(tenant, (log) => log.runAfterHooks());
    const appends = hooks.ran.filter((s) => s.startsWith('INSERT INTO event_appends'));
    expect(appends).toHaveLength(3); // the Deal, the Activity, the contact's new score
    expect(hooks.ran.length).toBeLessThanOrEqual(11);
    const assign = await statementsOf(tenant, (log) =>
      log.executeNow(ADMIN, { kind: 'assign', noun: 'Contact', id, owner: 'rep-1' }),
    );
    expect(assign.value.ok).toBe(true);
    expect(assign.ran).toHaveLength(2);
  });
});

describe('the partial index of erasure records', () => {
  // events_by_type went (one b-tree write less per event); the audit's look-up of erasure records is served by
  // events_erased only while its query says ERASURE_RECORDS word for word: a drift would scan the whole log.
  it('serves the audit query', async () => {
    const tenant = aTenant();
    const plan = await runInDurableObject(logStub(tenant), async (_instance: TenantLog, state) =>
      state.storage.sql
        .exec(`EXPLAIN QUERY PLAN SELECT data FROM events WHERE ${ERASURE_RECORDS} AND type IN (?) ORDER BY seq`, 'x')
        .toArray()
        .map((row) => String(row['detail'])),
    );
    expect(plan.join(' | ')).toMatch(/USING INDEX events_erased/);
  });
});
