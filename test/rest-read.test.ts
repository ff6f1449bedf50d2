// Reading a contact: include= its references and inverses, and asOf= a seq or a time.
import { describe, expect, it } from 'vitest';
import { aContact, aLead, anActivity, anOrganization, created } from './builders';
import { aTenant, api, apiJson } from './http';

async function aContactWithRelations(tenant: string) {
  const org = await created(tenant, 'organizations', anOrganization());
  const boss = await created(tenant, 'contacts', aContact());
  const alice = await created(tenant, 'contacts', aContact({ organization: org['$id'], manager: boss['$id'] }));
  const lead = await created(tenant, 'leads', aLead({ contact: alice['$id'] }));
  const activity = await created(tenant, 'activities', anActivity({ contact: alice['$id'] }));
  const reports = [
    await created(tenant, 'contacts', aContact({ manager: alice['$id'] })),
    await created(tenant, 'contacts', aContact({ manager: alice['$id'] })),
  ];
  // The lead and the activity re-scored alice (Contact.Scored): read her as she is now.
  const now = (await apiJson(`/~${tenant}/contacts/${alice['$id']}`)).body as typeof alice;
  return { org, boss, alice: now, lead, activity, reports };
}

describe('a contact read with include', () => {
  it('embeds organization, leads, activities, manager and reports as representations', async () => {
    const tenant = aTenant();
    const { org, boss, alice, lead, activity, reports } = await aContactWithRelations(tenant);
    const got = await apiJson(
      `/~${tenant}/contacts/${alice['$id']}?include=organization,leads,activities,manager,reports`,
    );
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      ...alice,
      organization: org,
      leads: [lead],
      activities: [activity],
      manager: boss,
      reports,
    });
  });

  it('embeds only what is asked, and leaves the stored id in place otherwise', async () => {
    const tenant = aTenant();
    const { org, alice } = await aContactWithRelations(tenant);
    const got = await apiJson(`/~${tenant}/contacts/${alice['$id']}?include=organization`);
    expect(got.body['organization']).toEqual(org);
    expect(got.body['manager']).toBe(alice['manager']);
    expect(got.body).not.toHaveProperty('leads');
  });

  it('leaves out deleted related entities', async () => {
    const tenant = aTenant();
    const { org, alice, lead, reports } = await aContactWithRelations(tenant);
    for (const path of [`organizations/${org['$id']}`, `leads/${lead['$id']}`, `contacts/${reports[0]!['$id']}`])
      expect((await api(`/~${tenant}/${path}`, { method: 'DELETE' })).status).toBe(204);
    const got = await apiJson(`/~${tenant}/contacts/${alice['$id']}?include=organization,leads,reports`);
    expect(got.body['organization']).toBeNull();
    expect(got.body['leads']).toEqual([]);
    expect(got.body['reports']).toEqual([reports[1]]);
  });

  it('follows a reference that moves: a report reassigned leaves the old manager', async () => {
    const tenant = aTenant();
    const { boss, alice, reports } = await aContactWithRelations(tenant);
    expect(
      (await api(`/~${tenant}/contacts/${reports[0]!['$id']}`, { method: 'PATCH', body: { manager: boss['$id'] } }))
        .status,
    ).toBe(200);
    const got = await apiJson(`/~${tenant}/contacts/${alice['$id']}?include=reports`);
    expect(got.body['reports'].map((r: { $id: string }) => r.$id)).toEqual([reports[1]!['$id']]);
  });
});

describe('a contact read asOf', () => {
  async function aContactEditedTwice(tenant: string) {
    // Fields outside the lead-score model, so each write is one event (no Contact.Scored between).
    const v1 = await created(tenant, 'contacts', aContact({ department: 'Engineering' }));
    const v2 = await apiJson(`/~${tenant}/contacts/${v1['$id']}`, {
      method: 'PATCH',
      body: { department: 'Platform' },
    });
    const v3 = await apiJson(`/~${tenant}/contacts/${v1['$id']}`, {
      method: 'PATCH',
      body: { department: 'Tech', timezone: 'Europe/Berlin' },
    });
    return [v1, v2.body, v3.body] as Record<string, unknown>[];
  }

  it('by seq shows the contact as it was after that event', async () => {
    const tenant = aTenant();
    const versions = await aContactEditedTwice(tenant);
    for (const [i, version] of versions.entries()) {
      const got = await apiJson(`/~${tenant}/contacts/${version['$id']}?asOf=${i + 1}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(version);
    }
  });

  it('by time shows the last version at or before that time', async () => {
    const tenant = aTenant();
    const versions = await aContactEditedTwice(tenant);
    const events = (await apiJson(`/~${tenant}/events`)).body['data'] as { time: string; entityversion: number }[];
    for (const event of events) {
      const expected = Math.max(...events.filter((e) => e.time <= event.time).map((e) => e.entityversion));
      const got = await apiJson(`/~${tenant}/contacts/${versions[0]!['$id']}?asOf=${encodeURIComponent(event.time)}`);
      expect(got.body).toEqual(versions[expected - 1]);
    }
  });

  it('is 404 before the contact existed and 410 after it was deleted', async () => {
    const tenant = aTenant();
    await created(tenant, 'organizations', anOrganization());
    const contact = await created(tenant, 'contacts', aContact());
    expect((await api(`/~${tenant}/contacts/${contact['$id']}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/~${tenant}/contacts/${contact['$id']}?asOf=1`)).status).toBe(404);
    expect((await api(`/~${tenant}/contacts/${contact['$id']}?asOf=1999-01-01T00:00:00Z`)).status).toBe(404);
    expect((await apiJson(`/~${tenant}/contacts/${contact['$id']}?asOf=2`)).body).toEqual(contact);
    expect((await api(`/~${tenant}/contacts/${contact['$id']}?asOf=3`)).status).toBe(410);
  });
});
