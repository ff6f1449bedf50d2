// A reference's index holds only the rows that have one (projections/tables.ts): lookups by it still
// take it, and a sort or a filter that needs the rows without one still answers every row, in order.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { columnOf, tableName } from '../projections/tables';
import { created } from './builders';
import { aTenant, apiJson } from './http';
import { readModelStub } from './projection-helpers';

type Rep = Record<string, any> & { $id: string };

const create = async (tenant: string, collection: string, body: Record<string, unknown>) =>
  (await created(tenant, collection, body)) as Rep;

const ids = (reps: readonly Rep[]) => reps.map((r) => r.$id);

// Every page of a list, following `next`.
async function all(tenant: string, query: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  for (;;) {
    const url: string = `/~${tenant}/${query}${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await apiJson<{ data: Rep[]; next: string | null }>(url);
    expect(page.status).toBe(200);
    out.push(...ids(page.body.data));
    cursor = page.body.next;
    if (!cursor) return out;
  }
}

describe('sparse reference indexes', () => {
  it('lists, sorts and pages by a reference over rows with and without one', async () => {
    const tenant = aTenant();
    const acme = await create(tenant, 'organizations', { name: 'Acme' });
    const globex = await create(tenant, 'organizations', { name: 'Globex' });
    const contacts: Rep[] = [];
    for (const [i, org] of [acme, undefined, globex, acme, undefined].entries())
      contacts.push(await create(tenant, 'contacts', { name: `C${i}`, ...(org ? { organization: org.$id } : {}) }));
    const [c0, c1, c2, c3, c4] = contacts.map((c) => c.$id) as [string, string, string, string, string];
    const [a, g] = [acme.$id, globex.$id].sort() as [string, string];
    const byOrg = (org: string) => (org === acme.$id ? [c0, c3] : [c2]);

    expect(await all(tenant, `contacts?organization=${acme.$id}&limit=1`)).toEqual([c0, c3]);
    expect(await all(tenant, `contacts?organization[in]=${acme.$id},${globex.$id}&sort=name&limit=2`)).toEqual([
      c0,
      c2,
      c3,
    ]);
    expect(await all(tenant, 'contacts?organization[exists]=false&limit=1')).toEqual([c1, c4]);
    // ASC puts the rows without a reference first, DESC last; ties by id; pages cross the boundary.
    expect(await all(tenant, 'contacts?sort=organization&limit=2')).toEqual([c1, c4, ...byOrg(a), ...byOrg(g)]);
    expect(await all(tenant, 'contacts?sort=-organization&limit=2')).toEqual([
      ...byOrg(g).reverse(),
      ...byOrg(a).reverse(),
      c4,
      c1,
    ]);
  });

  it('keeps the graph walks and lookups on the reference index', async () => {
    const tenant = aTenant();
    await create(tenant, 'contacts', { name: 'Someone' });
    const plans = await runInDurableObject(readModelStub(tenant), (_i, state) => {
      const t = tableName(1, 'Contact');
      const plan = (sql: string) =>
        state.storage.sql
          .exec(`EXPLAIN QUERY PLAN ${sql}`, 'x')
          .toArray()
          .map((r) => String(r['detail']))
          .join(' | ');
      const manager = columnOf('Contact', 'manager');
      const organization = columnOf('Contact', 'organization');
      return {
        walk: plan(
          `WITH RECURSIVE tree(id, depth) AS (SELECT ?, 0 UNION ALL SELECT c.id, tree.depth + 1 FROM tree ` +
            `JOIN ${t} c ON c.${manager} = tree.id WHERE c.live = 1 AND tree.depth < 5) SELECT id FROM tree`,
        ),
        include: plan(`SELECT entity FROM ${t} WHERE live = 1 AND ${organization} IN (SELECT value FROM json_each(?))`),
        filter: plan(`SELECT id FROM ${t} WHERE live = 1 AND ${organization} = ? ORDER BY id LIMIT 51`),
      };
    });
    expect(plans.walk).toContain(`INDEX ${tableName(1, 'Contact')}_manager`);
    expect(plans.include).toContain(`INDEX ${tableName(1, 'Contact')}_organization`);
    expect(plans.filter).toContain(`INDEX ${tableName(1, 'Contact')}_organization`);
  });
});
