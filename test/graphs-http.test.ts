// The read model's graphs through HTTP: manager chains, reports to a depth, an organization's buying
// committee and chart; deletes and merges honoured; loops in bad data bounded.
import { runInDurableObject } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Entity } from '../domain/entity';
import { Projector } from '../projections/projector';
import { tableFor } from '../projections/tables';
import { aContact, anOrganization } from './builders';
import { ADMIN, aTenant, api, apiJson } from './http';
import { readModelStub } from './projection-helpers';

type Rep = Record<string, any> & { $id: string };

async function create(tenant: string, collection: string, body: Record<string, unknown>): Promise<Rep> {
  const created = await apiJson<Rep>(`/~${tenant}/${collection}`, { body });
  expect(created.status).toBe(201);
  return created.body;
}

const ids = (reps: readonly Rep[]) => reps.map((r) => r.$id);

/** Writes folded contacts straight into the live tables: states (merges, loops) no command here makes. */
async function lay(tenant: string, contacts: { id: string; manager?: string; mergedInto?: string }[]): Promise<void> {
  await apiJson(`/~${tenant}/contacts`); // the model exists and has caught up
  await runInDurableObject(readModelStub(tenant), (_i, state) => {
    const projector = new Projector(state.storage.sql, 1);
    for (const c of contacts) {
      const entity: Entity = {
        id: c.id,
        type: 'Contact',
        version: 1,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        fields: { name: c.id, ...(c.manager ? { manager: c.manager } : {}) },
        ...(c.mergedInto ? { mergedInto: c.mergedInto } : {}),
      };
      projector.write(tableFor('Contact'), entity);
    }
  });
}

describe('manager graphs', () => {
  it('walks the manager chain up and the reports down to a depth', async () => {
    const tenant = aTenant();
    const ceo = await create(tenant, 'contacts', aContact());
    const vp = await create(tenant, 'contacts', aContact({ manager: ceo.$id }));
    const dev1 = await create(tenant, 'contacts', aContact({ manager: vp.$id }));
    const dev2 = await create(tenant, 'contacts', aContact({ manager: vp.$id }));

    const managers = await apiJson(`/~${tenant}/contacts/${dev1.$id}/managers`);
    expect(managers.status).toBe(200);
    expect(managers.headers.get('x-projection-seq')).toBe('4');
    expect(ids(managers.body['data'])).toEqual([vp.$id, ceo.$id]);

    expect(ids((await apiJson(`/~${tenant}/contacts/${ceo.$id}/reports`)).body['data'])).toEqual([vp.$id]);
    const all = await apiJson(`/~${tenant}/contacts/${ceo.$id}/reports?depth=all`);
    expect(all.body['data'].map((r: Rep) => [r.$id, r['$depth']])).toEqual([
      [vp.$id, 1],
      ...[dev1.$id, dev2.$id].sort().map((id) => [id, 2]),
    ]);
    expect(ids((await apiJson(`/~${tenant}/contacts/${ceo.$id}/reports?depth=2&limit=2`)).body['data'])).toHaveLength(
      2,
    );
  });

  it('pages transitive reports with a cursor', async () => {
    const tenant = aTenant();
    const boss = await create(tenant, 'contacts', aContact());
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await create(tenant, 'contacts', aContact({ manager: boss.$id }))).$id);
    const first = await apiJson(`/~${tenant}/contacts/${boss.$id}/reports?limit=3`);
    const second = await apiJson(`/~${tenant}/contacts/${boss.$id}/reports?limit=3&cursor=${first.body['next']}`);
    expect([...ids(first.body['data']), ...ids(second.body['data'])]).toEqual(made.sort());
    expect(second.body['next']).toBeNull();
  });

  it('drops a deleted contact and cuts the walk there', async () => {
    const tenant = aTenant();
    const ceo = await create(tenant, 'contacts', aContact());
    const vp = await create(tenant, 'contacts', aContact({ manager: ceo.$id }));
    const dev = await create(tenant, 'contacts', aContact({ manager: vp.$id }));
    await api(`/~${tenant}/contacts/${vp.$id}`, { method: 'DELETE' });
    expect((await apiJson(`/~${tenant}/contacts/${ceo.$id}/reports?depth=all`)).body['data']).toEqual([]);
    expect((await apiJson(`/~${tenant}/contacts/${dev.$id}/managers`)).body['data']).toEqual([]);
    expect((await apiJson(`/~${tenant}/contacts/${vp.$id}/reports`)).status).toBe(410);
  });

  it('counts a merged source as its target: its reports report to the target, its routes redirect', async () => {
    const tenant = aTenant();
    const target = await create(tenant, 'contacts', aContact());
    await lay(tenant, [
      { id: 'contact_01SOURCE0000000000000000', mergedInto: target.$id },
      { id: 'contact_01REPORT0000000000000000', manager: 'contact_01SOURCE0000000000000000' },
    ]);
    expect(ids((await apiJson(`/~${tenant}/contacts/${target.$id}/reports`)).body['data'])).toEqual([
      'contact_01REPORT0000000000000000',
    ]);
    expect(ids((await apiJson(`/~${tenant}/contacts/contact_01REPORT0000000000000000/managers`)).body['data'])).toEqual(
      [target.$id],
    );
    const moved = await exports.default.fetch(
      new Request(`http://crm.test/~${tenant}/contacts/contact_01SOURCE0000000000000000/reports?depth=2`, {
        headers: { authorization: `Bearer ${ADMIN}` },
        redirect: 'manual',
      }),
    );
    expect(moved.status).toBe(308);
    expect(moved.headers.get('location')).toBe(`/~${tenant}/contacts/${target.$id}/reports?depth=2`);
  });

  it('stays bounded on a manager loop in bad data', async () => {
    const tenant = aTenant();
    await lay(tenant, [
      { id: 'contact_01LOOPA00000000000000000', manager: 'contact_01LOOPB00000000000000000' },
      { id: 'contact_01LOOPB00000000000000000', manager: 'contact_01LOOPA00000000000000000' },
    ]);
    expect(
      ids((await apiJson(`/~${tenant}/contacts/contact_01LOOPA00000000000000000/reports?depth=all`)).body['data']),
    ).toEqual(['contact_01LOOPB00000000000000000']);
    expect(ids((await apiJson(`/~${tenant}/contacts/contact_01LOOPA00000000000000000/managers`)).body['data'])).toEqual(
      ['contact_01LOOPB00000000000000000'],
    );
  });

  it.each([
    ['an unknown contact', 'contacts/contact_01ARZ3NDEKTSV4RRFFQ69G5FAV/reports', 404],
    ['a depth of zero', 'contacts/contact_01ARZ3NDEKTSV4RRFFQ69G5FAV/reports?depth=0', 400],
    ['a depth that is no number', 'contacts/contact_01ARZ3NDEKTSV4RRFFQ69G5FAV/reports?depth=deep', 400],
    ['a bad cursor', 'contacts/contact_01ARZ3NDEKTSV4RRFFQ69G5FAV/reports?cursor=zzz', 400],
    ['an unknown organization', 'organizations/org_01ARZ3NDEKTSV4RRFFQ69G5FAV/chart', 404],
  ])('answers %s with a problem', async (_what, path, status) => {
    const answer = await apiJson(`/~${aTenant()}/${path}`);
    expect(answer.status).toBe(status);
  });

  it('answers 405 to a write on a graph', async () => {
    expect(
      (await api(`/~${aTenant()}/contacts/contact_01ARZ3NDEKTSV4RRFFQ69G5FAV/managers`, { method: 'POST', body: {} }))
        .status,
    ).toBe(405);
  });
});

describe('organization graphs', () => {
  it('lists an organization contacts with counts by role and stage', async () => {
    const tenant = aTenant();
    const org = await create(tenant, 'organizations', anOrganization());
    const other = await create(tenant, 'organizations', anOrganization());
    const a = await create(
      tenant,
      'contacts',
      aContact({ organization: org.$id, role: 'DecisionMaker', stage: 'Qualified' }),
    );
    const b = await create(
      tenant,
      'contacts',
      aContact({ organization: org.$id, role: 'DecisionMaker', stage: 'Qualified' }),
    );
    const c = await create(tenant, 'contacts', aContact({ organization: org.$id, role: 'Champion', stage: 'Lead' }));
    await create(tenant, 'contacts', aContact({ organization: other.$id, role: 'Champion', stage: 'Lead' }));
    const committee = await apiJson(`/~${tenant}/organizations/${org.$id}/contacts`);
    expect(committee.status).toBe(200);
    expect(ids(committee.body['data'])).toEqual([a.$id, b.$id, c.$id]);
    expect(committee.body['groups']).toEqual([
      { role: 'Champion', stage: 'Lead', count: 1 },
      { role: 'DecisionMaker', stage: 'Qualified', count: 2 },
    ]);
    const deciders = await apiJson(`/~${tenant}/organizations/${org.$id}/contacts?role=DecisionMaker&limit=1`);
    expect(ids(deciders.body['data'])).toEqual([a.$id]);
    expect(deciders.body['next']).toEqual(expect.any(String));
  });

  it('charts parents, the subsidiary tree and the people as a manager forest', async () => {
    const tenant = aTenant();
    const holding = await create(tenant, 'organizations', anOrganization());
    const org = await create(tenant, 'organizations', anOrganization({ parent: holding.$id }));
    const sub = await create(tenant, 'organizations', anOrganization({ parent: org.$id }));
    const subsub = await create(tenant, 'organizations', anOrganization({ parent: sub.$id }));
    const ceo = await create(tenant, 'contacts', aContact({ organization: org.$id }));
    const cto = await create(tenant, 'contacts', aContact({ organization: org.$id, manager: ceo.$id }));
    const loner = await create(tenant, 'contacts', aContact({ organization: org.$id }));
    const chart = await apiJson(`/~${tenant}/organizations/${org.$id}/chart`);
    expect(chart.status).toBe(200);
    expect(chart.body['organization'].$id).toBe(org.$id);
    expect(ids(chart.body['parents'])).toEqual([holding.$id]);
    expect(chart.body['subsidiaries'].map((s: Rep) => [s.$id, ids(s['children'])])).toEqual([[sub.$id, [subsub.$id]]]);
    expect(chart.body['people'].map((p: Rep) => [p.$id, ids(p['children'])])).toEqual([
      [ceo.$id, [cto.$id]],
      [loner.$id, []],
    ]);
  });
});
