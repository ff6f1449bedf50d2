// Full-text search in the read model (SQLite FTS5): `?q=` on lists, `query` in POST /~t/query.
// Accents ignored, every word a prefix, ranked, combinable with filters and cursors.
import { describe, expect, it } from 'vitest';
import { aContact, anOrganization, created } from './builders';
import { aTenant, apiJson } from './http';

type Page = { data: Record<string, any>[]; next: string | null };
const names = (page: Page) => page.data.map((c) => c['name']).sort();
const list = (tenant: string, query: string) => apiJson<Page>(`/~${tenant}/${query}`);

describe('GET /~t/contacts?q=', () => {
  it('finds Chén by chen and Alice by ali, over names, emails and titles', async () => {
    const tenant = aTenant();
    await created(tenant, 'contacts', aContact({ name: 'Chén Wei', email: 'wei@example.org' }));
    await created(tenant, 'contacts', aContact({ name: 'Alice Chen', email: 'alice@acme.dev', title: 'CTO' }));
    await created(tenant, 'contacts', aContact({ name: 'Alicia Keys', title: 'Head of Sales' }));
    await created(tenant, 'contacts', aContact({ name: 'Bob Rivera', email: 'bob@startup.io' }));
    expect(names((await list(tenant, 'contacts?q=chen')).body)).toEqual(['Alice Chen', 'Chén Wei']);
    expect(names((await list(tenant, 'contacts?q=ali')).body)).toEqual(['Alice Chen', 'Alicia Keys']);
    expect(names((await list(tenant, 'contacts?q=CHÉN%20ali')).body)).toEqual(['Alice Chen']);
    expect(names((await list(tenant, 'contacts?q=acme')).body)).toEqual(['Alice Chen']);
    expect(names((await list(tenant, 'contacts?q=sales')).body)).toEqual(['Alicia Keys']);
    expect(names((await list(tenant, 'contacts?q=zed')).body)).toEqual([]);
  });

  it('ranks the better match first', async () => {
    const tenant = aTenant();
    await created(tenant, 'contacts', aContact({ name: 'Dana Smith', title: 'Works with Chen on the Chen account' }));
    await created(tenant, 'contacts', aContact({ name: 'Chen Chen', title: 'Chen' }));
    const page = (await list(tenant, 'contacts?q=chen')).body;
    expect(page.data.map((c) => c['name'])).toEqual(['Chen Chen', 'Dana Smith']);
  });

  it('combines with filters and pages with cursors', async () => {
    const tenant = aTenant();
    for (let i = 0; i < 5; i++)
      await created(tenant, 'contacts', aContact({ name: `Ali ${i}`, stage: i % 2 ? 'Lead' : 'Customer' }));
    await created(tenant, 'contacts', aContact({ name: 'Zoe', stage: 'Lead' }));
    expect(names((await list(tenant, 'contacts?q=ali&stage=Lead')).body)).toEqual(['Ali 1', 'Ali 3']);
    const seen: string[] = [];
    let next: string | null = '';
    for (let pages = 0; next !== null && pages < 10; pages++) {
      const page: Page = (await list(tenant, `contacts?q=ali&limit=2${next ? `&cursor=${next}` : ''}`)).body;
      seen.push(...page.data.map((c) => c['name']));
      next = page.next;
    }
    expect(seen.sort()).toEqual(['Ali 0', 'Ali 1', 'Ali 2', 'Ali 3', 'Ali 4']);
    expect(names((await list(tenant, 'contacts?q=ali&sort=-name&limit=2')).body)).toEqual(['Ali 3', 'Ali 4']);
  });

  it('follows updates and deletes', async () => {
    const tenant = aTenant();
    const c = await created(tenant, 'contacts', aContact({ name: 'Old Name' }));
    await apiJson(`/~${tenant}/contacts/${c['$id']}`, { method: 'PATCH', body: { name: 'Fresh Name' } });
    expect(names((await list(tenant, 'contacts?q=old')).body)).toEqual([]);
    expect(names((await list(tenant, 'contacts?q=fresh')).body)).toEqual(['Fresh Name']);
    await apiJson(`/~${tenant}/contacts/${c['$id']}`, { method: 'DELETE' });
    expect(names((await list(tenant, 'contacts?q=fresh')).body)).toEqual([]);
  });

  it('searches organizations, deals and campaigns too, and survives a rebuild', async () => {
    const tenant = aTenant();
    await created(tenant, 'organizations', anOrganization({ name: 'Société Générale' }));
    await created(tenant, 'deals', { name: 'Société renewal' });
    await created(tenant, 'campaigns', { name: 'Spring societe push' });
    expect(names((await list(tenant, 'organizations?q=societe')).body)).toEqual(['Société Générale']);
    expect(names((await list(tenant, 'deals?q=soc')).body)).toEqual(['Société renewal']);
    expect(names((await list(tenant, 'campaigns?q=societe')).body)).toEqual(['Spring societe push']);
    expect((await apiJson(`/~${tenant}/projections/rebuild`, { method: 'POST' })).status).toBe(202);
    for (let i = 0; i < 50; i++) {
      const status = await apiJson(`/~${tenant}/projections/status`);
      if (status.body['rebuilding'] === null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(names((await list(tenant, 'organizations?q=generale')).body)).toEqual(['Société Générale']);
  });

  it('answers 400 for a search without words or too long', async () => {
    const tenant = aTenant();
    const empty = await list(tenant, 'contacts?q=%22*%20(');
    expect(empty.status).toBe(400);
    expect((empty.body as unknown as Record<string, unknown>)['errors']).toEqual([
      { path: '?q', message: 'a search needs at least one word' },
    ]);
    expect((await list(tenant, `contacts?q=${'a'.repeat(201)}`)).status).toBe(400);
  });
});

describe('POST /~t/query with query', () => {
  it('searches beside the filter of the MCP form', async () => {
    const tenant = aTenant();
    await created(tenant, 'contacts', aContact({ name: 'Alice Chen', stage: 'Lead', source: 'website' }));
    await created(tenant, 'contacts', aContact({ name: 'Alan Chen', stage: 'Lead', source: 'event' }));
    const answer = await apiJson<Page>(`/~${tenant}/query`, {
      body: { type: 'Contact', filter: { stage: 'Lead', source: 'website' }, query: 'chen' },
    });
    expect(answer.status).toBe(200);
    expect(names(answer.body)).toEqual(['Alice Chen']);
  });
});
