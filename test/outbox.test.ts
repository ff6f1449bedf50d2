// The transactional outbox, a cursor over the log: what the events appended, sent after the commit in
// messages of at most 1,000 events, the cursor moved only after the queue took one, retried with backoff,
// drained by the alarm too; a tenant whose outbox rows main left pending keeps them through the migration.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../domain/events';
import { Outbox, OUTBOX_BATCH, type OutboxMessage } from '../durable-objects/outbox';
import { migrate } from '../durable-objects/schema';
import { aContact } from './builders';
import { aTenant, apiJson } from './http';
import { logStub } from './projection-helpers';

/** A queue that records what it was sent, or fails while `failing` is set. */
function aQueue() {
  const sent: OutboxMessage[] = [];
  const queue = {
    failing: false,
    sent,
    async send(message: OutboxMessage) {
      if (queue.failing) throw new Error('queue unavailable');
      sent.push(message);
    },
  };
  return queue;
}

function events(from: number, count: number): StoredEvent[] {
  return Array.from(
    { length: count },
    (_, i) =>
      ({ seq: from + i, id: `e${from + i}`, type: 'Contact.Created', entityId: `contact_${from + i}` }) as StoredEvent,
  );
}

/** Log rows for seqs 1, 2, … with the given types (what an append leaves for the outbox to send). */
function logRows(sql: SqlStorage, types: readonly string[]): void {
  for (const [i, type] of types.entries()) {
    sql.exec(
      `INSERT INTO events (seq, id, type, entity_type, entity_id, entity_version, time, actor, data, data_hash,
         prev_hash, hash)
       VALUES (?, ?, ?, 'Contact', 'c', 1, 't', 'a', '{}', '', '', '')`,
      i + 1,
      `e${i + 1}`,
      type,
    );
  }
}

function outboxIn(sql: SqlStorage, queue: ReturnType<typeof aQueue>, wakes: number[] = []) {
  return new Outbox({
    sql,
    queue: queue as unknown as Queue<OutboxMessage>,
    tenant: () => 'acme',
    wakeBy: async (at) => void wakes.push(at),
  });
}

describe('the outbox', () => {
  it('sends the log after its cursor in seq order, at most 1,000 events a message, then moves the cursor', async () => {
    await runInDurableObject(logStub(aTenant()), async (_instance, state) => {
      const queue = aQueue();
      const outbox = outboxIn(state.storage.sql, queue);
      const types = ['Deal.Created', 'Contact.Created', 'Contact.Updated'];
      state.storage.transactionSync(() => {
        logRows(state.storage.sql, [...types, ...Array.from({ length: 2_502 }, () => 'Contact.Created')]);
        outbox.record(events(1, 2_505));
      });
      expect(outbox.pending()).toBe(2_505);
      expect(await outbox.drain()).toBeNull();
      expect(queue.sent).toEqual([
        {
          tenant: 'acme',
          fromSeq: 1,
          seq: OUTBOX_BATCH,
          count: OUTBOX_BATCH,
          types: ['Contact.Created', 'Contact.Updated', 'Deal.Created'],
        },
        { tenant: 'acme', fromSeq: 1_001, seq: 2_000, count: 1_000, types: ['Contact.Created'] },
        { tenant: 'acme', fromSeq: 2_001, seq: 2_505, count: 505, types: ['Contact.Created'] },
      ]);
      expect(outbox.pending()).toBe(0);
      expect(sentCursor(state.storage.sql)).toBe(2_505);
    });
  });

  it('has nothing to send when the transaction that appended rolls back', async () => {
    await runInDurableObject(logStub(aTenant()), async (_instance, state) => {
      const queue = aQueue();
      const outbox = outboxIn(state.storage.sql, queue);
      expect(() =>
        state.storage.transactionSync(() => {
          logRows(state.storage.sql, ['Contact.Created', 'Contact.Created', 'Contact.Created']);
          outbox.record(events(1, 3));
          throw new Error('decide refused');
        }),
      ).toThrow('decide refused');
      expect(outbox.pending()).toBe(0);
      await outbox.drain();
      expect(queue.sent).toEqual([]);
    });
  });

  it('keeps the cursor when the send fails, backs off, and sends the range in order later', async () => {
    await runInDurableObject(logStub(aTenant()), async (_instance, state) => {
      const queue = aQueue();
      const wakes: number[] = [];
      const outbox = outboxIn(state.storage.sql, queue, wakes);
      queue.failing = true;
      state.storage.transactionSync(() => {
        logRows(
          state.storage.sql,
          Array.from({ length: 5 }, () => 'Contact.Created'),
        );
        outbox.record(events(1, 5));
      });
      const firstRetry = await outbox.drain();
      const secondRetry = await outbox.drain();
      expect(outbox.pending()).toBe(5);
      expect(sentCursor(state.storage.sql)).toBe(0);
      expect(firstRetry).toEqual(expect.any(Number));
      expect(secondRetry! - Date.now()).toBeGreaterThan(firstRetry! - Date.now());
      queue.failing = false;
      expect(await outbox.drain()).toBeNull();
      expect(queue.sent.map((m) => [m.fromSeq, m.seq])).toEqual([[1, 5]]);
      expect(outbox.pending()).toBe(0);
    });
  });

  it('answers a storage error during a kick by arming the alarm, never by an unhandled rejection', async () => {
    await runInDurableObject(logStub(aTenant()), async (_instance, state) => {
      const wakes: number[] = [];
      let broken = false; // from the kick on: the constructor reads the cursor too
      const failing = new Proxy(state.storage.sql, {
        get(target, name) {
          if (name !== 'exec') return Reflect.get(target, name);
          return (query: string, ...bindings: unknown[]) => {
            if (broken && query.includes('outbox_cursor')) throw new Error('disk on fire');
            return target.exec(query, ...bindings);
          };
        },
      });
      const outbox = outboxIn(failing, aQueue(), wakes);
      broken = true;
      await expect(outbox.kick()).resolves.toBeUndefined();
      expect(wakes).toHaveLength(1);
    });
  });

  it("sends every command's events after the commit", { timeout: 20_000 }, async () => {
    const tenant = aTenant();
    const created = await apiJson(`/~${tenant}/contacts`, { body: aContact() });
    expect(created.status).toBe(201);
    expect(await drainedTo(logStub(tenant))).toBe(Number(created.headers.get('x-event-seq')));
  });

  it('is drained when the object wakes again after an eviction left events unsent', { timeout: 20_000 }, async () => {
    const tenant = aTenant();
    const stub = logStub(tenant);
    await apiJson(`/~${tenant}/contacts`, { body: aContact() });
    await drainedTo(stub);
    await runInDurableObject(stub, (_i, state) => state.storage.sql.exec('UPDATE outbox_cursor SET sent = 0'));
    await evictDurableObject(stub);
    expect(await drainedTo(stub)).toBe(1);
  });

  it('is drained by the alarm', { timeout: 20_000 }, async () => {
    const tenant = aTenant();
    const stub = logStub(tenant);
    await apiJson(`/~${tenant}/contacts`, { body: aContact() });
    await drainedTo(stub);
    await runInDurableObject(stub, async (_i, state) => {
      // Events a failed send left, with the backoff alarm set.
      state.storage.sql.exec('UPDATE outbox_cursor SET sent = 0');
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const sent = await runInDurableObject(stub, (_i, state) => sentCursor(state.storage.sql));
    expect(sent).toBe(1);
  });

  it('keeps the rows main left pending: the migration puts the cursor before the first of them', async () => {
    const tenant = aTenant();
    const stub = logStub(tenant);
    for (let i = 0; i < 3; i++) await apiJson(`/~${tenant}/contacts`, { body: aContact() });
    await drainedTo(stub);
    const cursor = await runInDurableObject(stub, (_i, state) => {
      const sql = state.storage.sql;
      // The schema as main left it (its four migrations), seqs 2 and 3 not yet taken by the queue.
      state.storage.transactionSync(() => {
        sql.exec(`DROP TABLE outbox_cursor; DROP INDEX events_erased; DROP VIEW event_appends;
          CREATE INDEX events_by_type ON events (type, seq);
          CREATE TABLE outbox (from_seq INTEGER PRIMARY KEY, to_seq INTEGER NOT NULL);
          INSERT INTO outbox (from_seq, to_seq) VALUES (2, 2), (3, 3); DELETE FROM migrations WHERE n >= 4`);
        migrate(sql);
      });
      const indexes = sql.exec("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").toArray();
      expect(indexes.map((r) => r['name']).sort()).toEqual(['events_by_entity', 'events_erased', expect.any(String)]);
      return sentCursor(sql);
    });
    expect(cursor).toBe(1);
    await evictDurableObject(stub);
    expect(await drainedTo(stub)).toBe(3);
  });
});

function sentCursor(sql: SqlStorage): number {
  return Number(sql.exec('SELECT sent FROM outbox_cursor').one()['sent']);
}

/** Waits until the queue took the whole log (the drain runs after the commit); the cursor then. */
async function drainedTo(stub: ReturnType<typeof logStub>): Promise<number> {
  const positions = () =>
    runInDurableObject(stub, (_i, state) => {
      const sql = state.storage.sql;
      return { sent: sentCursor(sql), head: Number(sql.exec('SELECT MAX(seq) AS s FROM events').one()['s'] ?? 0) };
    });
  let at = await positions();
  for (let tries = 0; at.sent < at.head && tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    at = await positions();
  }
  return at.sent;
}
