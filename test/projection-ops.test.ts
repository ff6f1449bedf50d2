// Consistency and operations: X-Min-Seq read-your-writes, 503 when the projection cannot get there,
// status, rebuild beside the live tables, and tenant keys on read-model routes.
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { aContact } from './builders';
import { aTenant, api, apiJson } from './http';
import { foldedLog, logStub, projected, readModelStub } from './projection-helpers';

async function key(tenant: string, scopes: string[]): Promise<{ id: string; key: string }> {
  const made = await apiJson(`/~${tenant}/keys`, { body: { name: 'k', scopes } });
  expect(made.status).toBe(201);
  return made.body as { id: string; key: string };
}

describe('reading your own writes', () => {
  it('answers a read with X-Min-Seq at or past the write', async () => {
    const tenant = aTenant();
    const created = await apiJson(`/~${tenant}/contacts`, { body: aContact({ stage: 'Lead' }) });
    const seq = created.headers.get('x-event-seq')!;
    const updated = await apiJson(`/~${tenant}/contacts/${created.body['$id']}`, {
      method: 'PATCH',
      body: { title: 'CTO' },
    });
    expect(updated.status).toBe(200);
    const read = await apiJson(`/~${tenant}/contacts?title=CTO`, {
      headers: { 'x-min-seq': updated.headers.get('x-event-seq')! },
    });
    expect(read.status).toBe(200);
    expect(Number(read.headers.get('x-projection-seq'))).toBeGreaterThan(Number(seq));
    expect(read.body['data']).toEqual([updated.body]);
  });

  it('answers 503 with Retry-After when the projection cannot reach the seq in time', { timeout: 30_000 }, async () => {
    const tenant = aTenant();
    await apiJson(`/~${tenant}/contacts`, { body: aContact() });
    const read = await apiJson(`/~${tenant}/contacts`, { headers: { 'x-min-seq': '99' } });
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toBe('1');
    expect(read.body['projectionSeq']).toBe(1);
  });

  it('refuses an X-Min-Seq that is not a seq', async () => {
    expect((await api(`/~${aTenant()}/contacts`, { headers: { 'x-min-seq': 'soon' } })).status).toBe(400);
  });

  it('reaches the projection through the outbox and the queue alone', { timeout: 30_000 }, async () => {
    const tenant = aTenant();
    for (let i = 0; i < 3; i++) await apiJson(`/~${tenant}/contacts`, { body: aContact() });
    // No read pulls here: only the queue consumer moves the checkpoint.
    let model = await projected(tenant);
    for (let tries = 0; model.checkpoint < 3 && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      model = await projected(tenant);
    }
    expect(model.checkpoint).toBe(3);
    expect(model.entities).toEqual(await foldedLog(tenant));
  });
});

describe('projection status and rebuild', () => {
  it('gives checkpoint, head and lag', async () => {
    const tenant = aTenant();
    await apiJson(`/~${tenant}/contacts`, { body: aContact() });
    await apiJson(`/~${tenant}/contacts`); // a read brings the projection to the head
    const status = await apiJson(`/~${tenant}/projections/status`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ checkpoint: 1, head: 1, lag: 0, rebuilding: null });
    expect(status.headers.get('x-projection-seq')).toBe('1');
  });

  it('rebuilds from seq 0 to the same state, answering queries meanwhile', { timeout: 30_000 }, async () => {
    const tenant = aTenant();
    const boss = await apiJson(`/~${tenant}/contacts`, { body: aContact({ stage: 'Customer' }) });
    for (let i = 0; i < 5; i++)
      await apiJson(`/~${tenant}/contacts`, { body: aContact({ manager: boss.body['$id'] }) });
    await apiJson(`/~${tenant}/contacts/${boss.body['$id']}`, { method: 'PATCH', body: { title: 'CEO' } });
    const before = await apiJson(`/~${tenant}/contacts?sort=-$createdAt`);
    const incremental = await projected(tenant);

    const started = await apiJson(`/~${tenant}/projections/rebuild`, { method: 'POST' });
    expect(started.status).toBe(202);
    expect(started.body['generation']).toBe(incremental.generation);
    const during = await apiJson(`/~${tenant}/contacts?sort=-$createdAt`);
    expect(during.body).toEqual(before.body);

    let status = await apiJson(`/~${tenant}/projections/status`);
    for (let tries = 0; status.body['rebuilding'] !== null && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = await apiJson(`/~${tenant}/projections/status`);
    }
    expect(status.body['rebuilding']).toBeNull();
    const rebuilt = await projected(tenant);
    expect(rebuilt.generation).toBeGreaterThan(incremental.generation);
    expect(rebuilt.entities).toEqual(incremental.entities);
    expect((await apiJson(`/~${tenant}/contacts?sort=-$createdAt`)).body).toEqual(before.body);
  });
});

describe('a rebuild of a longer log', () => {
  it('keeps answering every query from the live tables until the swap', { timeout: 60_000 }, async () => {
    const tenant = aTenant();
    // 20,000 events straight into the log: several pages of pulls, so queries interleave with the rebuild.
    await runInDurableObject(logStub(tenant), (instance, state) => {
      const { store } = (
        instance as unknown as { parts: { store: { append: (...args: any[]) => unknown; commitHead: () => void } } }
      ).parts;
      state.storage.transactionSync(() => {
        const events = Array.from({ length: 20_000 }, (_, i) => ({
          type: 'Deal.Created',
          entityType: 'Deal',
          entityId: `deal_${String(i).padStart(26, '0')}`,
          data: { name: `D${i}`, value: i % 7 },
        }));
        let n = 0;
        store.append(events, { time: '2026-01-01T00:00:00.000Z', actor: 'test', newEventId: () => `E${n++}` });
      });
      store.commitHead();
    });
    const query = `/~${tenant}/deals?value[gte]=5&sort=-value&limit=20`;
    const before = await apiJson(query);
    expect(before.body['data']).toHaveLength(20);
    await apiJson(`/~${tenant}/projections/rebuild`, { method: 'POST' });
    let status = await apiJson(`/~${tenant}/projections/status`);
    for (let tries = 0; status.body['rebuilding'] !== null && tries < 500; tries++) {
      const during = await apiJson(query);
      expect(during.status).toBe(200);
      expect(during.body).toEqual(before.body);
      status = await apiJson(`/~${tenant}/projections/status`);
    }
    expect(status.body['rebuilding']).toBeNull();
    expect((await apiJson(query)).body).toEqual(before.body);
    expect((await projected(tenant)).entities).toEqual(await foldedLog(tenant));
  });
});

describe('a read model built for another schema', () => {
  it('is dropped on wake-up and refilled from seq 0 to a fold of the log', async () => {
    const tenant = aTenant();
    for (let i = 0; i < 3; i++) await apiJson(`/~${tenant}/contacts`, { body: aContact() });
    await apiJson(`/~${tenant}/contacts`);
    const stub = readModelStub(tenant);
    // As if a field had been added to a noun since these tables were made.
    await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec("UPDATE rm_generations SET fingerprint = 'an older schema'"),
    );
    await evictDurableObject(stub);
    const fresh = await projected(tenant);
    expect(fresh.checkpoint).toBe(0);
    expect(fresh.entities).toEqual({});
    expect((await apiJson(`/~${tenant}/contacts`)).body['data']).toHaveLength(3);
    expect((await projected(tenant)).entities).toEqual(await foldedLog(tenant));
  });
});

describe('tenant keys on read-model routes', () => {
  it('lets a read key list and query, but not rebuild', async () => {
    const tenant = aTenant();
    await apiJson(`/~${tenant}/contacts`, { body: aContact() });
    const reader = await key(tenant, ['read']);
    expect((await api(`/~${tenant}/contacts`, { token: reader.key })).status).toBe(200);
    expect((await api(`/~${tenant}/query`, { token: reader.key, body: { type: 'Contact' } })).status).toBe(200);
    expect((await api(`/~${tenant}/projections/status`, { token: reader.key })).status).toBe(200);
    expect((await api(`/~${tenant}/projections/rebuild`, { token: reader.key, method: 'POST' })).status).toBe(403);
    const admin = await key(tenant, ['admin']);
    expect((await api(`/~${tenant}/projections/rebuild`, { token: admin.key, method: 'POST' })).status).toBe(202);
  });

  it('refuses a revoked key, an unknown key, another tenant key and no key', async () => {
    const [tenant, other] = [aTenant(), aTenant()];
    const reader = await key(tenant, ['read']);
    expect((await api(`/~${tenant}/keys/${reader.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/~${tenant}/contacts`, { token: reader.key })).status).toBe(401);
    expect((await api(`/~${tenant}/contacts`, { token: `crm_${tenant}_${'0'.repeat(64)}` })).status).toBe(401);
    const foreign = await key(other, ['read']);
    expect((await api(`/~${tenant}/contacts`, { token: foreign.key })).status).toBe(401);
    expect((await api(`/~${tenant}/contacts`, { token: null })).status).toBe(401);
    expect((await api(`/~${tenant}/contacts/contact_01ARZ3NDEKTSV4RRFFQ69G5FAV/reports`, { token: null })).status).toBe(
      401,
    );
  });

  it('counts read-model requests against the key rate limit', async () => {
    const tenant = aTenant();
    const made = await apiJson(`/~${tenant}/keys`, { body: { name: 'slow', scopes: ['read'], rateLimit: 2 } });
    const token = made.body['key'] as string;
    expect((await api(`/~${tenant}/contacts`, { token })).status).toBe(200);
    expect((await api(`/~${tenant}/contacts`, { token })).status).toBe(200);
    const limited = await api(`/~${tenant}/contacts`, { token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
  });
});
