// A rebuild fills bare tables and builds their indexes and full-text rows once, just before the swap
// (issue 12): after it, the live tables are indexed and answer as a never-rebuilt model does, and they
// stay indexed as writes go on. The pull of a page as one JSON text serves the very events of the old pull.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { aContact, created } from './builders';
import { aTenant, apiJson } from './http';
import { PAGE_BYTES, parseEventPage } from '../durable-objects/event-page';
import type { TenantLog } from '../durable-objects/tenant-log';
import { logStub, readModelStub } from './projection-helpers';

type Page = { data: Record<string, any>[]; next: string | null };
const names = async (tenant: string, query: string) =>
  (await apiJson<Page>(`/~${tenant}/contacts?${query}`)).body.data.map((c) => c['name']).sort();

async function rebuilt(tenant: string): Promise<Record<string, any>> {
  expect((await apiJson(`/~${tenant}/projections/rebuild`, { method: 'POST' })).status).toBe(202);
  for (let i = 0; i < 100; i++) {
    const status = await apiJson(`/~${tenant}/projections/status`);
    if (status.body['rebuilding'] === null) return status.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the rebuild did not swap');
}

// The live generation's indexes (without the generation's prefix) and how many full-text rows it holds.
function indexed(tenant: string): Promise<{ indexes: string[]; searchRows: number }> {
  return runInDurableObject(readModelStub(tenant), (_instance, state) => {
    const sql = state.storage.sql;
    const g = Number(sql.exec('SELECT generation FROM rm_generations WHERE live = 1').one()['generation']);
    const indexes = sql
      .exec(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'rm${g}\\_%' ESCAPE '\\'`)
      .toArray()
      .map((row) => String(row['name']).slice(`rm${g}_`.length))
      .sort();
    const searchRows = Number(sql.exec(`SELECT COUNT(*) AS n FROM rm${g}_contact_fts`).one()['n']);
    return { indexes, searchRows };
  });
}

describe('POST /~t/projections/rebuild', () => {
  it('swaps in tables with every index and the search words of the live contacts only', async () => {
    const tenant = aTenant();
    await created(tenant, 'contacts', aContact({ name: 'Alice Chen', stage: 'Customer' }));
    const bob = await created(tenant, 'contacts', aContact({ name: 'Bob Rivera' }));
    const carol = await created(tenant, 'contacts', aContact({ name: 'Carol Chen' }));
    expect(
      (await apiJson(`/~${tenant}/contacts/${bob['$id']}`, { method: 'PATCH', body: { name: 'Robert Rivera' } }))
        .status,
    ).toBe(200);
    expect((await apiJson(`/~${tenant}/contacts/${carol['$id']}`, { method: 'DELETE' })).status).toBe(204);
    const before = await indexed(tenant);
    expect(before.indexes.length).toBeGreaterThan(10);

    const status = await rebuilt(tenant);
    expect(status['generation']).toBeGreaterThan(1);
    expect(await indexed(tenant)).toEqual({ indexes: before.indexes, searchRows: 2 });
    expect(await names(tenant, 'q=chen')).toEqual(['Alice Chen']);
    expect(await names(tenant, 'q=bob')).toEqual([]);
    expect(await names(tenant, 'q=robert')).toEqual(['Robert Rivera']);
    expect(await names(tenant, 'stage=Customer')).toEqual(['Alice Chen']);
    expect(await names(tenant, 'sort=-name')).toEqual(['Alice Chen', 'Robert Rivera']);
  });

  it('keeps the search words of writes after the swap', async () => {
    const tenant = aTenant();
    const alice = await created(tenant, 'contacts', aContact({ name: 'Alice Chen' }));
    await rebuilt(tenant);
    expect(
      (await apiJson(`/~${tenant}/contacts/${alice['$id']}`, { method: 'PATCH', body: { name: 'Alice Wong' } })).status,
    ).toBe(200);
    await created(tenant, 'contacts', aContact({ name: 'Eve Chen' }));
    expect(await names(tenant, 'q=chen')).toEqual(['Eve Chen']);
    expect(await names(tenant, 'q=wong')).toEqual(['Alice Wong']);
    expect((await indexed(tenant)).searchRows).toBe(2);
  });
});

describe('TenantLog.pullPage', () => {
  it('serves, as one JSON text, the very events pull serves', async () => {
    const tenant = aTenant();
    const chen = await created(tenant, 'contacts', aContact({ name: 'Chén "Wei" \\ 😀', email: 'wei@example.org' }));
    await created(tenant, 'organizations', { name: 'Acme', domain: 'acme.dev' });
    const patch = { title: 'CTO', phone: '+1 555 0100' };
    expect((await apiJson(`/~${tenant}/contacts/${chen['$id']}`, { method: 'PATCH', body: patch })).status).toBe(200);
    expect((await apiJson(`/~${tenant}/contacts/${chen['$id']}`, { method: 'DELETE' })).status).toBe(204);
    const log = logStub(tenant) as unknown as Pick<TenantLog, 'pull' | 'pullPage'>;
    for (const [after, limit] of [
      [0, 1000],
      [1, 2],
      [3, 1000],
      [99, 10],
    ] as const) {
      const { events, head } = await log.pull(after, limit);
      const page = await log.pullPage(after, limit);
      expect(page.head).toBe(head);
      expect(parseEventPage(page.page)).toEqual(events);
    }
    expect((await log.pull(0, 1000)).events.length).toBeGreaterThan(3);
  });
});

describe('a page of bulky events', () => {
  // About 18 KB of stored UTF-8 per contact (six fields at their 1,000-character limit, 3 bytes a character):
  // 150 of them are 2.7 MB, past SQLite's 2 MB cap on one string if a page held them all.
  const BULKY = Object.fromEntries(
    ['title', 'department', 'source', 'marketingConsent', 'firstName', 'lastName'].map((f) => [f, '€'.repeat(1_000)]),
  );

  it('stops at about PAGE_BYTES, pages on over every event, and the read model catches up', async () => {
    const tenant = aTenant();
    for (let b = 0; b < 3; b++) {
      const operations = Array.from({ length: 50 }, () => ({ type: 'Contact', verb: 'create', data: aContact(BULKY) }));
      expect((await apiJson(`/~${tenant}/batch`, { body: { operations } })).status).toBe(200);
    }
    const log = logStub(tenant) as unknown as Pick<TenantLog, 'pull' | 'pullPage'>;
    const { events: all } = await log.pull(0, 1000);
    expect(all).toHaveLength(150);
    const seen: number[] = [];
    for (let after = 0, pages = 0; after < 150; pages++) {
      expect(pages).toBeLessThan(10);
      const { page } = await log.pullPage(after, 2_000);
      expect(new TextEncoder().encode(page).byteLength).toBeLessThan(PAGE_BYTES + 64 * 1024);
      const events = parseEventPage(page);
      expect(events.length, 'more than one event a page').toBeGreaterThan(1);
      expect(events.length).toBeLessThan(150);
      seen.push(...events.map((e) => e.seq));
      after = events.at(-1)!.seq;
    }
    expect(seen).toEqual(all.map((e) => e.seq));
    let listed = 503;
    for (let i = 0; i < 100 && listed !== 200; i++) {
      listed = (await apiJson(`/~${tenant}/contacts?limit=1`, { headers: { 'x-min-seq': '150' } })).status;
      if (listed !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(listed, 'the read model reached seq 150').toBe(200);
  });
});
