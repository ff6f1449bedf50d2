// Tenants share nothing: what one tenant writes is invisible to another's reads, lists, queries, log and
// graphs, and an id of one tenant is unknown in another (the admin token may call both; keys are per tenant,
// checked in auth.test.ts).
import { describe, expect, it } from 'vitest';
import { aContact, created } from './builders';
import { aTenant, apiJson } from './http';

describe('two tenants', () => {
  it("never see each other's entities, lists, queries, events or graphs", async () => {
    const [a, b] = [aTenant('iso-a'), aTenant('iso-b')];
    const boss = await created(a, 'contacts', aContact({ email: 'boss@iso.test' }));
    const report = await created(a, 'contacts', aContact({ manager: boss['$id'] }));
    const seq = (await apiJson(`/~${a}/events`)).body['data'].length;
    expect(seq).toBeGreaterThanOrEqual(2);

    const fresh = { headers: { 'x-min-seq': '0' } };
    expect((await apiJson(`/~${b}/contacts`, fresh)).body['data']).toEqual([]);
    expect((await apiJson(`/~${b}/query`, { body: { type: 'Contact' } })).body['data']).toEqual([]);
    expect((await apiJson(`/~${b}/events?after=0`)).body['data']).toEqual([]);
    expect((await apiJson(`/~${b}/contacts/${boss['$id']}`)).status).toBe(404);
    expect((await apiJson(`/~${b}/contacts/${report['$id']}/managers`)).status).toBe(404);
    // The same email is free in the other tenant: uniqueness is per tenant too.
    expect((await apiJson(`/~${b}/contacts`, { body: aContact({ email: 'boss@iso.test' }) })).status).toBe(201);
    expect((await apiJson(`/~${a}/contacts`, { headers: { 'x-min-seq': String(seq) } })).body['data']).toHaveLength(2);
  });
});
