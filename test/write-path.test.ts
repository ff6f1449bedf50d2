// The write path as one unit of work: a request that fails leaves no trace in storage or in memory,
// and an Idempotency-Key never makes a write fail (docs/write-path.md).
import { describe, expect, it } from 'vitest';
import { aContact, created } from './builders';
import { aTenant, apiJson, eventCount } from './http';

// About 18 KB of stored text per contact (six fields at their 1,000-character limit, 3 bytes a character).
const BULKY = Object.fromEntries(
  ['title', 'department', 'source', 'marketingConsent', 'firstName', 'lastName'].map((f) => [f, '€'.repeat(1_000)]),
);

async function aBulkyContact(tenant: string): Promise<string> {
  return (await created(tenant, 'contacts', aContact(BULKY)))['$id'];
}

// 1,000 updates of one bulky contact: each answer carries the whole contact, about 18 MB in all,
// well past what SQLite stores in one value (2 MB in a Durable Object).
function bulkyBatch(id: string, atomic: boolean) {
  const operations = Array.from({ length: 1_000 }, (_, i) => ({
    type: 'Contact',
    verb: 'update',
    id,
    data: { phone: `+1 555 01${String(i).padStart(3, '0')}` },
  }));
  return { operations, atomic };
}

async function verified(tenant: string): Promise<Record<string, unknown>> {
  return (await apiJson(`/~${tenant}/audit/verify`)).body;
}

for (const atomic of [true, false]) {
  describe(`an ${atomic ? 'atomic' : 'independent'} batch whose answer is megabytes, under an Idempotency-Key`, () => {
    it('succeeds, replays the same answer, and the next write gets the next seq', { timeout: 60_000 }, async () => {
      const tenant = aTenant();
      const id = await aBulkyContact(tenant);
      const call = { method: 'POST', body: bulkyBatch(id, atomic), headers: { 'idempotency-key': `bulky-${atomic}` } };
      const first = await apiJson(`/~${tenant}/batch`, call);
      expect(first.status, JSON.stringify(first.body).slice(0, 300)).toBe(200);
      const seq = Number(first.headers.get('x-event-seq'));
      expect(seq).toBeGreaterThan(1_001); // the create, 1,000 updates, and the score the first phone moved
      expect(first.body['results'].at(-1).body.phone).toBe('+1 555 01999');
      const retry = await apiJson(`/~${tenant}/batch`, call);
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers.get('x-event-seq')).toBe(String(seq));
      expect(await eventCount(tenant)).toBe(seq);
      const next = await apiJson(`/~${tenant}/events?after=${seq}`);
      expect(next.body['data']).toEqual([]);
      const after = await apiJson(`/~${tenant}/contacts`, { method: 'POST', body: aContact() });
      expect((await apiJson(`/~${tenant}/events?after=${seq}`)).body['data'][0].seq).toBe(seq + 1);
      expect(await verified(tenant)).toMatchObject({ ok: true, head: Number(after.headers.get('x-event-seq')) });
    });
  });
}
