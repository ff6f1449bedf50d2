// A rebuild writes its bare tables in multi-row INSERTs, grouped by the set of fields an entity has
// (projections/projector.ts): after the swap every list answers what the never-rebuilt tables answered.
import { describe, expect, it } from 'vitest';
import { aTenant, apiJson } from './http';

type Rep = Record<string, any> & { $id: string };
type Page = { data: Rep[]; next: string | null };

async function rebuilt(tenant: string): Promise<void> {
  expect((await apiJson(`/~${tenant}/projections/rebuild`, { method: 'POST' })).status).toBe(202);
  for (let i = 0; i < 100; i++) {
    if ((await apiJson(`/~${tenant}/projections/status`)).body['rebuilding'] === null) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the rebuild did not swap');
}

const STAGES = ['Lead', 'Qualified', 'Customer'];

describe('a rebuild in multi-row INSERTs', () => {
  it('answers every list as before, over more rows than one statement holds and several field sets', async () => {
    const tenant = aTenant();
    const org = (await apiJson<Rep>(`/~${tenant}/organizations`, { body: { name: 'Acme' } })).body;
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const body: Record<string, unknown> = { name: `Person ${i}`, email: `p${i}@example.com` };
      if (i % 2) body['stage'] = STAGES[i % 3];
      if (i % 3 === 0) body['lastEngagement'] = `2026-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00.000Z`;
      if (i % 5 === 0) body['organization'] = org.$id;
      const made = await apiJson<Rep>(`/~${tenant}/contacts`, { body });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      ids.push(made.body.$id);
    }
    for (const i of [1, 2, 30]) {
      const patched = await apiJson(`/~${tenant}/contacts/${ids[i]}`, { method: 'PATCH', body: { title: `T${i}` } });
      expect(patched.status).toBe(200);
    }
    expect((await apiJson(`/~${tenant}/contacts/${ids[4]}`, { method: 'DELETE' })).status).toBe(204);
    const queries = [
      'contacts?limit=100',
      'contacts?sort=-lastEngagement,name&limit=100',
      'contacts?stage=Lead&limit=100',
      `contacts?organization=${org.$id}&limit=100`,
      'contacts?q=person 3&limit=100',
    ];
    const answers = async () => Promise.all(queries.map(async (q) => (await apiJson<Page>(`/~${tenant}/${q}`)).body));
    const before = await answers();
    expect(before[0]!.data).toHaveLength(39);
    await rebuilt(tenant);
    expect(await answers()).toEqual(before);
  });
});
