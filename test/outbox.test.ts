// The transactional outbox: rows written with the events, sent after the commit in batches of at most
// 100, deleted only after the queue took them, retried with backoff, drained by the alarm too.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../domain/events';
import { Outbox, OUTBOX_BATCH, type OutboxMessage } from '../durable-objects/outbox';
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

/** Log rows for the given seqs and types, so a message can name the types of its range. */
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
  it('sends its rows in seq order, one message per at most 100 appends, and deletes them once sent', async () => {
    await runInDurableObject(logStub(aTenant()), async (_instance, state) => {
      const queue = aQueue();
      const outbox = outboxIn(state.storage.sql, queue);
      logRows(state.storage.sql, ['Deal.Created', 'Contact.Created', 'Contact.Updated']);
      state.storage.transactionSync(() => {
        for (let seq = 1; seq <= 250; seq++) outbox.record(events(seq, 1));
        outbox.record(events(251, 5)); // one append of five events is one row
      });
      expect(outbox.pending()).toBe(255);
      expect(await outbox.drain()).toBeNull();
      expect(queue.sent).toEqual([
        {
          tenant: 'acme',
          fromSeq: 1,
          seq: OUTBOX_BATCH,
          count: OUTBOX_BATCH,
          types: ['Contact.Created', 'Contact.Updated', 'Deal.Created'],
        },
        { tenant: 'acme', fromSeq: 101, seq: 200, count: 100, types: [] },
        { tenant: 'acme', fromSeq: 201, seq: 255, count: 55, types: [] },
      ]);
      expect(outbox.pending()).toBe(0);
    });
  });

  it('writes nothing when the transaction rolls back', async () => {
    await runInDurableObject(logStub(aTenant()), async (_instance, state) => {
      const queue = aQueue();
      const outbox = outboxIn(state.storage.sql, queue);
      expect(() =>
        state.storage.transactionSync(() => {
          outbox.record(events(1, 3));
          throw new Error('decide refused');
        }),
      ).toThrow('decide refused');
      expect(outbox.pending()).toBe(0);
      await outbox.drain();
      expect(queue.sent).toEqual([]);
    });
  });

  it('keeps rows when the send fails, backs off, and sends them in order later', async () => {
    await runInDurableObject(logStub(aTenant()), async (_instance, state) => {
      const queue = aQueue();
      const wakes: number[] = [];
      const outbox = outboxIn(state.storage.sql, queue, wakes);
      queue.failing = true;
      state.storage.transactionSync(() => outbox.record(events(1, 5)));
      const firstRetry = await outbox.drain();
      const secondRetry = await outbox.drain();
      expect(outbox.pending()).toBe(5);
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
      const failing = new Proxy(state.storage.sql, {
        get(target, name) {
          if (name !== 'exec') return Reflect.get(target, name);
          return (query: string, ...bindings: unknown[]) => {
            if (query.startsWith('SELECT from_seq')) throw new Error('disk on fire');
            return target.exec(query, ...bindings);
          };
        },
      });
      const outbox = outboxIn(failing, aQueue(), wakes);
      await expect(outbox.kick()).resolves.toBeUndefined();
      expect(wakes).toHaveLength(1);
    });
  });

  it('is written by every command and emptied after the commit', { timeout: 20_000 }, async () => {
    const tenant = aTenant();
    const created = await apiJson(`/~${tenant}/contacts`, { body: aContact() });
    expect(created.status).toBe(201);
    let pending = 1;
    for (let tries = 0; pending > 0 && tries < 100; tries++)
      pending = await runInDurableObject(logStub(tenant), (_i, state) =>
        Number(state.storage.sql.exec('SELECT COUNT(*) AS n FROM outbox').one()['n']),
      );
    expect(pending).toBe(0);
  });

  it('is drained when the object wakes again after an eviction left rows behind', { timeout: 20_000 }, async () => {
    const stub = logStub(aTenant());
    await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec('INSERT INTO outbox (from_seq, to_seq) VALUES (1, 1)'),
    );
    await evictDurableObject(stub);
    let pending = 1;
    for (let tries = 0; pending > 0 && tries < 100; tries++)
      pending = await runInDurableObject(stub, (_i, state) =>
        Number(state.storage.sql.exec('SELECT COUNT(*) AS n FROM outbox').one()['n']),
      );
    expect(pending).toBe(0);
  });

  it('is drained by the alarm', async () => {
    const stub = logStub(aTenant());
    await runInDurableObject(stub, async (_i, state) => {
      // Rows a failed send left, with the backoff alarm set.
      state.storage.sql.exec('INSERT INTO outbox (from_seq, to_seq) VALUES (1, 1)');
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const pending = await runInDurableObject(stub, (_i, state) =>
      Number(state.storage.sql.exec('SELECT COUNT(*) AS n FROM outbox').one()['n']),
    );
    expect(pending).toBe(0);
  });
});
