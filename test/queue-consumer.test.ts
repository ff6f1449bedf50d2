// The crm-events consumer: messages are nudges, so duplicated, reordered and missing messages all
// leave the read model equal to a fold of the log; acks wait for the tenant's projection.
import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { OutboxMessage } from '../durable-objects/outbox';
import worker from '../workers/index';
import { aContact } from './builders';
import { aTenant, apiJson } from './http';
import { foldedLog, logEvents, projected, readModelStub } from './projection-helpers';

async function someHistory(tenant: string): Promise<void> {
  const boss = await apiJson(`/~${tenant}/contacts`, { body: aContact({ stage: 'Customer' }) });
  const ann = await apiJson(`/~${tenant}/contacts`, { body: aContact({ stage: 'Lead', manager: boss.body['$id'] }) });
  await apiJson(`/~${tenant}/contacts/${ann.body['$id']}`, {
    method: 'PATCH',
    body: { title: 'CTO', source: 'website' },
  });
  const gone = await apiJson(`/~${tenant}/contacts`, { body: aContact() });
  await apiJson(`/~${tenant}/contacts/${gone.body['$id']}`, { method: 'DELETE' });
}

async function messagesFor(tenant: string): Promise<OutboxMessage[]> {
  // One message per event: the most a consumer can get (the outbox sends one per 100 rows).
  return (await logEvents(tenant)).map((e) => ({ tenant, seq: e.seq, fromSeq: e.seq, count: 1, types: [e.type] }));
}

async function consume(messages: readonly OutboxMessage[]) {
  const batch = createMessageBatch<OutboxMessage>(
    'crm-events',
    messages.map((body, i) => ({ id: `m${i}-${body.tenant}-${body.seq}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<unknown>, env);
  return getQueueResult(batch, ctx);
}

describe('the crm-events consumer', () => {
  it('applies a batch and acks every message once the tenant caught up', async () => {
    const tenant = aTenant();
    await someHistory(tenant);
    const messages = await messagesFor(tenant);
    const result = await consume(messages);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks.sort()).toEqual(
      messages.map((m) => `m${messages.indexOf(m)}-${tenant}-${m.seq}`).sort(),
    );
    const model = await projected(tenant);
    expect(model.checkpoint).toBe(messages.length);
    expect(model.entities).toEqual(await foldedLog(tenant));
  });

  it('leaves the model equal to a fold of the log when messages come duplicated and reversed', async () => {
    const tenant = aTenant();
    await someHistory(tenant);
    const messages = await messagesFor(tenant);
    await consume([...messages, ...messages].reverse());
    await consume(messages.slice(1, 3));
    expect((await projected(tenant)).entities).toEqual(await foldedLog(tenant));
  });

  it('catches up on everything when all but one message are lost', async () => {
    const tenant = aTenant();
    await someHistory(tenant);
    const messages = await messagesFor(tenant);
    const result = await consume([messages[0]!]);
    expect(result.explicitAcks).toHaveLength(1);
    const model = await projected(tenant);
    expect(model.checkpoint).toBe(messages.length);
    expect(model.entities).toEqual(await foldedLog(tenant));
  });

  it('retries a message the projection has not reached and acks the other tenants', async () => {
    const [ahead, fine] = [aTenant(), aTenant()];
    await someHistory(ahead);
    await someHistory(fine);
    const fineMessages = await messagesFor(fine);
    const beyond: OutboxMessage = { tenant: ahead, seq: 10_000, fromSeq: 10_000, count: 1, types: ['Contact.Created'] };
    const result = await consume([beyond, ...fineMessages]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([`m0-${ahead}-10000`]);
    expect(result.explicitAcks).toHaveLength(fineMessages.length);
  });

  it('acks a stuck tenant and holds back no other; its model heals by alarm', async () => {
    const [broken, fine] = [aTenant(), aTenant()];
    await someHistory(broken);
    await someHistory(fine);
    // Break the projection's storage: every apply now throws inside its transaction. The live queue
    // may have caught the projection up already, so more history is written after the break and only
    // the messages past its checkpoint count (those at or below it are acked whatever happens).
    const checkpoint = await runInDurableObject(readModelStub(broken), (_i, state) => {
      state.storage.sql.exec('ALTER TABLE rm1_contact RENAME TO rm1_contact_away');
      return Number(state.storage.sql.exec('SELECT checkpoint FROM rm_generations WHERE live = 1').one()['checkpoint']);
    });
    await someHistory(broken);
    const brokenMessages = (await messagesFor(broken)).filter((m) => m.seq > checkpoint);
    const fineMessages = await messagesFor(fine);
    // Retrying would only go round in circles: the model records why it is stuck and retries itself.
    const result = await consume([...brokenMessages, ...fineMessages]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(brokenMessages.length + fineMessages.length);
    expect((await projected(fine)).entities).toEqual(await foldedLog(fine));
    const status = await apiJson(`/~${broken}/projections/status`);
    const named = { seq: checkpoint + 1, reason: expect.stringMatching(/no such table: rm1_contact/) };
    expect(status.body['stuck']).toMatchObject(named);

    await runInDurableObject(readModelStub(broken), (_i, state) =>
      state.storage.sql.exec('ALTER TABLE rm1_contact_away RENAME TO rm1_contact'),
    );
    expect(await runDurableObjectAlarm(readModelStub(broken))).toBe(true);
    expect((await projected(broken)).entities).toEqual(await foldedLog(broken));
    expect((await apiJson(`/~${broken}/projections/status`)).body['stuck']).toBeNull();
  });

  it('acks a message that names no tenant instead of retrying it forever', async () => {
    const batch = createMessageBatch('crm-events', [
      { id: 'junk', timestamp: new Date(), attempts: 1, body: { hello: 'world' } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: ['junk'], retryMessages: [] });
  });
});
