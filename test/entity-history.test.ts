// GET /~t/{collection}/{id}/events: one entity's history as CloudEvents, merged sources included, paged;
// ?field= answers one field's values over time.
import { describe, expect, it } from 'vitest';
import { aContact, aKey, anOrganization, created } from './builders';
import { aTenant, api, apiJson } from './http';
import { expectProblem } from './problem';

type Page = { data: Record<string, any>[]; next: string | null };

async function allEvents(tenant: string): Promise<Record<string, any>[]> {
  return (await apiJson<Page>(`/~${tenant}/events?limit=1000`)).body.data;
}

async function historyPages(tenant: string, id: string, limit: number): Promise<Record<string, any>[]> {
  const events: Record<string, any>[] = [];
  for (let after = '0'; ; ) {
    const page = await apiJson<Page>(`/~${tenant}/contacts/${id}/events?after=${after}&limit=${limit}`);
    expect(page.status).toBe(200);
    events.push(...page.body.data);
    if (!page.body.next) return events;
    after = page.body.next;
  }
}

/** A target with its own history, a source with its own, merged; and a bystander contact. */
async function aMergedContact() {
  const tenant = aTenant();
  const target = await created(tenant, 'contacts', aContact({ name: 'Target', stage: 'Customer' }));
  const source = await created(tenant, 'contacts', aContact({ name: 'Source' }));
  const bystander = await created(tenant, 'contacts', aContact());
  expect((await api(`/~${tenant}/contacts/${source['$id']}`, { method: 'PATCH', body: { title: 'CTO' } })).status).toBe(
    200,
  );
  expect(
    (await api(`/~${tenant}/contacts/${bystander['$id']}`, { method: 'PATCH', body: { title: 'VP' } })).status,
  ).toBe(200);
  expect(
    (await api(`/~${tenant}/contacts/${target['$id']}/merge`, { method: 'POST', body: { sources: [source['$id']] } }))
      .status,
  ).toBe(200);
  expect(
    (await api(`/~${tenant}/contacts/${target['$id']}`, { method: 'PATCH', body: { stage: 'Churned' } })).status,
  ).toBe(200);
  expect(
    (await api(`/~${tenant}/contacts/${target['$id']}`, { method: 'PATCH', body: { stage: 'Customer' } })).status,
  ).toBe(200);
  return {
    tenant,
    target: target['$id'] as string,
    source: source['$id'] as string,
    bystander: bystander['$id'] as string,
  };
}

describe('GET /~t/contacts/{id}/events', () => {
  it("answers the contact's events and its merged source's, in seq order, as in the log", async () => {
    const { tenant, target, source } = await aMergedContact();
    const history = await apiJson<Page>(`/~${tenant}/contacts/${target}/events`);
    expect(history.status).toBe(200);
    const expected = (await allEvents(tenant)).filter((e) => e['subject'] === target || e['subject'] === source);
    expect(history.body).toEqual({ data: expected, next: null });
    expect(history.body.data.map((e) => e['type'])).toEqual(
      expect.arrayContaining(['Contact.Created', 'Contact.Updated', 'Contact.Merged']),
    );
    expect(history.body.data.filter((e) => e['subject'] === source).at(-1)).toMatchObject({
      type: 'Contact.Merged',
      data: { into: target },
      source: `/~${tenant}/contacts/${source}`,
    });
  });

  it('pages with after and limit to the same history', async () => {
    const { tenant, target } = await aMergedContact();
    const whole = (await apiJson<Page>(`/~${tenant}/contacts/${target}/events?limit=1000`)).body.data;
    expect(whole.length).toBeGreaterThan(4);
    expect(await historyPages(tenant, target, 2)).toEqual(whole);
    expect(whole.map((e) => e['seq'])).toEqual([...whole.map((e) => e['seq'])].sort((a, b) => a - b));
  });

  it('answers a merged source its own history up to its merge, not the target', async () => {
    const { tenant, target, source } = await aMergedContact();
    const history = await apiJson<Page>(`/~${tenant}/contacts/${source}/events`);
    expect(history.status).toBe(200);
    expect(history.body.data.every((e) => e['subject'] === source)).toBe(true);
    expect(history.body.data.at(-1)).toMatchObject({ type: 'Contact.Merged', data: { into: target } });
  });

  it("keeps a deleted contact's history readable", async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    expect((await api(`/~${tenant}/contacts/${contact['$id']}`, { method: 'DELETE' })).status).toBe(204);
    const history = await apiJson<Page>(`/~${tenant}/contacts/${contact['$id']}/events`);
    expect(history.status).toBe(200);
    expect(history.body.data.map((e) => e['type'])).toEqual(
      expect.arrayContaining(['Contact.Created', 'Contact.Deleted']),
    );
  });

  it('works for every noun, beside the graph routes', async () => {
    const tenant = aTenant();
    const org = await created(tenant, 'organizations', anOrganization());
    const history = await apiJson<Page>(`/~${tenant}/organizations/${org['$id']}/events`);
    expect(history.status).toBe(200);
    expect(history.body.data).toEqual([expect.objectContaining({ type: 'Organization.Created', subject: org['$id'] })]);
    expect((await api(`/~${tenant}/organizations/${org['$id']}/contacts`)).status).toBe(200);
    const contact = await created(tenant, 'contacts', aContact());
    expect((await api(`/~${tenant}/contacts/${contact['$id']}/reports`)).status).toBe(200);
  });

  it('is readable with a read key and refused without a credential', async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    const { key } = await aKey(tenant, ['read']);
    expect((await api(`/~${tenant}/contacts/${contact['$id']}/events`, { token: key })).status).toBe(200);
    expect((await api(`/~${tenant}/contacts/${contact['$id']}/events`, { token: null })).status).toBe(401);
  });

  it('refuses an unknown id, another noun, an unknown collection and bad paging', async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    const org = await created(tenant, 'organizations', anOrganization());
    await expectProblem(tenant, `/~${tenant}/contacts/contact_01KAAAAAAAAAAAAAAAAAAAAAAA/events`, {}, 404);
    await expectProblem(tenant, `/~${tenant}/contacts/${org['$id']}/events`, {}, 404);
    await expectProblem(tenant, `/~${tenant}/widgets/${contact['$id']}/events`, {}, 404);
    await expectProblem(tenant, `/~${tenant}/contacts/${contact['$id']}/events?limit=0`, {}, 400);
    await expectProblem(tenant, `/~${tenant}/contacts/${contact['$id']}/events?after=-1`, {}, 400);
    await expectProblem(tenant, `/~${tenant}/contacts/${contact['$id']}/events`, { method: 'POST', body: {} }, 405);
  });
});

describe('GET /~t/contacts/{id}/events?field=', () => {
  it("answers the field's values over time, from Created on", async () => {
    const { tenant, target } = await aMergedContact();
    const answer = await apiJson(`/~${tenant}/contacts/${target}/events?field=stage`);
    expect(answer.status).toBe(200);
    expect(answer.body['field']).toBe('stage');
    expect(answer.body['data'].map(({ type, from, to }: Record<string, unknown>) => ({ type, from, to }))).toEqual([
      { type: 'Contact.Created', from: null, to: 'Customer' },
      { type: 'Contact.Updated', from: 'Customer', to: 'Churned' },
      { type: 'Contact.Updated', from: 'Churned', to: 'Customer' },
    ]);
    for (const entry of answer.body['data'])
      expect(entry).toEqual({
        seq: expect.any(Number),
        time: expect.any(String),
        type: expect.any(String),
        actor: 'admin',
        from: expect.toBeOneOf([null, expect.any(String)]),
        to: expect.any(String),
      });
  });

  it('shows a value the merge filled in from a source', async () => {
    const { tenant, target } = await aMergedContact();
    const answer = await apiJson(`/~${tenant}/contacts/${target}/events?field=title`);
    expect(answer.body['data']).toEqual([expect.objectContaining({ type: 'Contact.Merged', from: null, to: 'CTO' })]);
  });

  it('refuses a field that is not stored on the noun', async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    await expectProblem(tenant, `/~${tenant}/contacts/${contact['$id']}/events?field=nope`, {}, 400);
    await expectProblem(tenant, `/~${tenant}/contacts/${contact['$id']}/events?field=leads`, {}, 400);
  });
});
