// A read model that cannot advance says why and heals by itself: a gap anywhere in a pulled page, an
// event the projector cannot apply, a live generation that cannot write. The rebuild still swaps, the
// queue consumer does not go round in circles, and the alarm's retry recovers once the cause is gone.
import {
  createExecutionContext,
  createMessageBatch,
  env,
  evictDurableObject,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { OutboxMessage } from '../durable-objects/outbox';
import worker from '../workers/index';
import { aContact } from './builders';
import { aTenant, apiJson } from './http';
import { foldedLog, logEvents, logStub, projected, readModelStub } from './projection-helpers';

type Row = Record<string, SqlStorageValue>;

/** A tenant with `contacts` created (one event each) and one update of the first: seqs 1..contacts+1. */
async function aTenantWithHistory(contacts: number): Promise<{ tenant: string; head: number }> {
  const tenant = aTenant();
  const ids: string[] = [];
  for (let i = 0; i < contacts; i++)
    ids.push((await apiJson(`/~${tenant}/contacts`, { body: aContact() })).body['$id']);
  await apiJson(`/~${tenant}/contacts/${ids[0]}`, { method: 'PATCH', body: { title: 'CTO' } });
  return { tenant, head: (await logEvents(tenant)).length };
}

/** Runs SQL in the tenant's log, as a damaged disk or a past bug would leave it; answers the rows. */
async function inLog(tenant: string, statement: string, ...bindings: SqlStorageValue[]): Promise<Row[]> {
  return runInDurableObject(logStub(tenant), (_i, state) => state.storage.sql.exec(statement, ...bindings).toArray());
}

/** Takes one event out of the log; answers a function that puts it back. */
async function takeOut(tenant: string, seq: number): Promise<() => Promise<void>> {
  const [row] = await inLog(tenant, 'SELECT * FROM events WHERE seq = ?', seq);
  await inLog(tenant, 'DELETE FROM events WHERE seq = ?', seq);
  const columns = Object.keys(row!);
  return async () => {
    await inLog(
      tenant,
      `INSERT INTO events (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      ...columns.map((c) => row![c]!),
    );
  };
}

/** Empties the tenant's projection (as a schema change does), so the next catch-up pulls from seq 0. */
async function startOver(tenant: string): Promise<void> {
  const stub = readModelStub(tenant);
  await runInDurableObject(stub, (_i, state) =>
    state.storage.sql.exec("UPDATE rm_generations SET fingerprint = 'another schema'"),
  );
  await evictDurableObject(stub);
}

const status = async (tenant: string) => (await apiJson(`/~${tenant}/projections/status`)).body;

async function consume(tenant: string, seqs: readonly number[]) {
  const batch = createMessageBatch<OutboxMessage>(
    'crm-events',
    seqs.map((seq) => ({
      id: `m-${tenant}-${seq}`,
      timestamp: new Date(),
      attempts: 1,
      body: { tenant, seq, fromSeq: seq, count: 1, types: ['Contact.Created'] },
    })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, env);
  return getQueueResult(batch, ctx);
}

async function untilRebuilt(tenant: string): Promise<Record<string, any>> {
  let answer = await status(tenant);
  for (let tries = 0; answer['rebuilding'] !== null && tries < 200; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    answer = await status(tenant);
  }
  return answer;
}

describe('a log with a gap in the middle of a pulled page', () => {
  it('stops before the gap, names it in the status, and recovers by alarm once the event is back', async () => {
    const { tenant, head } = await aTenantWithHistory(4);
    const putBack = await takeOut(tenant, 3);
    await startOver(tenant);
    await apiJson(`/~${tenant}/contacts`); // a read pulls 1, 2, 4, 5: the gap is not at the page's start

    const stuck = await status(tenant);
    expect(stuck).toMatchObject({
      checkpoint: 2,
      head,
      lag: head - 2,
      stuck: { seq: 3, reason: 'gap in the log: expected seq 3, the log answered seq 4' },
    });
    expect(stuck['stuck']['attempts']).toBeGreaterThanOrEqual(1);
    expect(Object.keys((await projected(tenant)).entities)).toHaveLength(2);

    // While the cause lasts, each retry re-arms the alarm and counts the attempt.
    expect(await runDurableObjectAlarm(readModelStub(tenant))).toBe(true);
    const again = await status(tenant);
    expect(again['stuck']).toMatchObject({ seq: 3, since: stuck['stuck']['since'] });
    expect(again['stuck']['attempts']).toBeGreaterThan(stuck['stuck']['attempts']);

    await putBack();
    expect(await runDurableObjectAlarm(readModelStub(tenant))).toBe(true);
    expect(await status(tenant)).toMatchObject({ checkpoint: head, lag: 0, stuck: null });
    expect((await projected(tenant)).entities).toEqual(await foldedLog(tenant));
  });

  it('answers a read that waits for a seq past the gap at once, naming why', async () => {
    const { tenant, head } = await aTenantWithHistory(3);
    await takeOut(tenant, 2);
    await startOver(tenant);
    const read = await apiJson(`/~${tenant}/contacts`, { headers: { 'x-min-seq': String(head) } });
    // Only the stuck answer names the gap; waiting out the 10 s would answer "not yet at" instead.
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toBe('1');
    const named = 'the projection is stuck at seq 2 (gap in the log: expected seq 2, the log answered seq 3)';
    expect(read.body['detail']).toContain(named);
  });

  it('names a missing tail: the head is past the last event the log holds', async () => {
    const { tenant, head } = await aTenantWithHistory(3);
    await takeOut(tenant, head);
    await startOver(tenant);
    await apiJson(`/~${tenant}/contacts`);
    expect(await status(tenant)).toMatchObject({
      checkpoint: head - 1,
      stuck: { seq: head, reason: `the log's head is ${head} but it has no event after seq ${head - 1}` },
    });
  });
});

describe('an event the projector cannot apply', () => {
  it('stops just before it, names it, and recovers by alarm once the event applies again', async () => {
    const { tenant, head } = await aTenantWithHistory(3);
    const [original] = await inLog(tenant, 'SELECT data FROM events WHERE seq = 2');
    await inLog(tenant, "UPDATE events SET data = 'null' WHERE seq = 2");
    await startOver(tenant);
    await apiJson(`/~${tenant}/contacts`);

    const stuck = await status(tenant);
    expect(stuck['checkpoint']).toBe(1);
    expect(stuck['stuck']).toMatchObject({
      seq: 2,
      reason: expect.stringMatching(/^the projector cannot apply Contact\.Created of contact_\w+: /),
    });

    await inLog(tenant, 'UPDATE events SET data = ? WHERE seq = 2', original!['data']!);
    expect(await runDurableObjectAlarm(readModelStub(tenant))).toBe(true);
    expect(await status(tenant)).toMatchObject({ checkpoint: head, stuck: null });
    expect((await projected(tenant)).entities).toEqual(await foldedLog(tenant));
  });
});

describe('a rebuild while the live generation is stuck', () => {
  it('finishes and swaps when the live tables cannot be written', { timeout: 30_000 }, async () => {
    const { tenant, head } = await aTenantWithHistory(3);
    await startOver(tenant);
    await runInDurableObject(readModelStub(tenant), (_i, state) =>
      state.storage.sql.exec('ALTER TABLE rm1_contact RENAME TO rm1_contact_away'),
    );
    await consume(tenant, [head]); // a nudge (a list would fail on the missing table)
    expect(await status(tenant)).toMatchObject({
      checkpoint: 0,
      generation: 1,
      stuck: { seq: 1, reason: expect.stringMatching(/no such table/) },
    });

    expect((await apiJson(`/~${tenant}/projections/rebuild`, { method: 'POST' })).status).toBe(202);
    expect(await untilRebuilt(tenant)).toMatchObject({
      generation: 2,
      checkpoint: head,
      lag: 0,
      stuck: null,
      rebuilding: null,
    });
    expect((await projected(tenant)).entities).toEqual(await foldedLog(tenant));
  });

  it('swaps at the gap the live generation is stuck at, and keeps naming it', { timeout: 30_000 }, async () => {
    const { tenant } = await aTenantWithHistory(3);
    await takeOut(tenant, 2);
    await startOver(tenant);
    await apiJson(`/~${tenant}/contacts`);
    expect((await apiJson(`/~${tenant}/projections/rebuild`, { method: 'POST' })).status).toBe(202);
    expect(await untilRebuilt(tenant)).toMatchObject({
      generation: 2,
      checkpoint: 1,
      stuck: { seq: 2, reason: expect.stringMatching(/^gap in the log/) },
      rebuilding: null,
    });
  });
});

describe('a rebuild when the live generation is past the log', () => {
  it('swaps at the log head instead of waiting for a seq the log no longer has', { timeout: 30_000 }, async () => {
    const { tenant, head } = await aTenantWithHistory(3);
    await apiJson(`/~${tenant}/contacts`); // the live generation reaches the head
    await inLog(tenant, 'DELETE FROM events WHERE seq = ?', head);
    await evictDurableObject(logStub(tenant)); // wakes up with the shorter log's head
    expect((await apiJson(`/~${tenant}/projections/rebuild`, { method: 'POST' })).status).toBe(202);
    const rebuilt = await untilRebuilt(tenant);
    expect(rebuilt).toMatchObject({ generation: 2, checkpoint: head - 1, head: head - 1, rebuilding: null });
  });
});

describe('the queue consumer and a stuck tenant', () => {
  it('acks its messages instead of retrying them, batch after batch, and holds back no other tenant', async () => {
    const { tenant, head } = await aTenantWithHistory(3);
    const fine = await aTenantWithHistory(2);
    await takeOut(tenant, 2);
    await startOver(tenant);
    const seqs = Array.from({ length: head }, (_, i) => i + 1);
    for (let round = 0; round < 3; round++) {
      const result = await consume(tenant, seqs);
      expect(result.retryMessages).toEqual([]);
      expect(result.explicitAcks).toHaveLength(head);
    }
    expect(await status(tenant)).toMatchObject({ checkpoint: 1, stuck: { seq: 2 } });
    const other = await consume(fine.tenant, [fine.head]);
    expect(other.explicitAcks).toEqual([`m-${fine.tenant}-${fine.head}`]);
    expect((await projected(fine.tenant)).entities).toEqual(await foldedLog(fine.tenant));
  });
});
