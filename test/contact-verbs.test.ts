// The Contact verbs through HTTP: statuses, answers and what lands in the log.
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:test';
import { aContact, aKey, anOrganization } from './builders';
import { exports } from 'cloudflare:workers';
import { ADMIN, aTenant, apiJson, eventCount } from './http';

const post = (path: string, body?: unknown, headers?: Record<string, string>) =>
  apiJson(path, { method: 'POST', ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });

async function aContactIn(tenant: string, overrides: Record<string, unknown> = {}) {
  const created = await post(`/~${tenant}/contacts`, aContact(overrides));
  expect(created.status).toBe(201);
  return created.body as Record<string, any>;
}

describe('POST /~t/contacts/capture', () => {
  it('answers 201 with a new Lead contact and its Location, then 200 for the same email', async () => {
    const tenant = aTenant();
    const first = await post(`/~${tenant}/contacts/capture`, {
      name: 'Bob Rivera',
      email: 'bob@startup.io',
      source: 'demo-request-form',
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      name: 'Bob Rivera',
      stage: 'Lead',
      status: 'Active',
      source: 'demo-request-form',
    });
    expect(first.headers.get('location')).toBe(`/~${tenant}/contacts/${first.body['$id']}`);
    const again = await post(`/~${tenant}/contacts/capture`, { email: 'Bob@Startup.io', source: 'webinar' });
    expect(again.status).toBe(200);
    expect(again.body['$id']).toBe(first.body['$id']);
    const leads = await apiJson(`/~${tenant}/contacts/${first.body['$id']}?include=leads`);
    expect(leads.body['leads'].map((l: any) => l.source).sort()).toEqual(['demo-request-form', 'webinar']);
  });

  it('creates one contact for 20 concurrent captures of one new email; the rest land on it', async () => {
    const tenant = aTenant();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(`/~${tenant}/contacts/capture`, { name: `Racer ${i}`, email: 'race@startup.io', source: `s${i}` }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(19);
    expect(new Set(answers.map((a) => a.body['$id'])).size).toBe(1);
    const seqs = answers.map((a) => Number(a.headers.get('x-event-seq')));
    expect(new Set(seqs).size).toBe(20);
    const leads = await apiJson(`/~${tenant}/contacts/${answers[0]!.body['$id']}?include=leads`);
    expect(leads.body['leads']).toHaveLength(20);
  });

  it('refuses a capture without an email (422) or with a stage (422), writing nothing', async () => {
    const tenant = aTenant();
    expect((await post(`/~${tenant}/contacts/capture`, { name: 'No Mail' })).status).toBe(422);
    expect(
      (await post(`/~${tenant}/contacts/capture`, { name: 'X', email: 'x@startup.io', stage: 'Customer' })).status,
    ).toBe(422);
    expect((await post(`/~${tenant}/contacts/capture`, { email: 'x@startup.io', favouriteColour: 'red' })).status).toBe(
      400,
    );
    expect(await eventCount(tenant)).toBe(0);
  });
});

describe('POST /~t/contacts/{id}/qualify and PATCH stage', () => {
  it('answers 409 naming the stage and its allowed targets', async () => {
    const tenant = aTenant();
    const contact = await aContactIn(tenant, { stage: 'Customer' });
    const refused = await post(`/~${tenant}/contacts/${contact['$id']}/qualify`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ stage: 'Customer', allowed: ['Churned'] });
    const patch = await apiJson(`/~${tenant}/contacts/${contact['$id']}`, {
      method: 'PATCH',
      body: { stage: 'Partner' },
    });
    expect(patch.status).toBe(409);
    expect(patch.body['detail']).toContain(
      'a Customer contact cannot move to Partner; allowed from Customer: Churned (update)',
    );
  });

  it('points an update to Qualified at qualify', async () => {
    const tenant = aTenant();
    const contact = await aContactIn(tenant, { stage: 'Lead' });
    const patch = await apiJson(`/~${tenant}/contacts/${contact['$id']}`, {
      method: 'PATCH',
      body: { stage: 'Qualified' },
    });
    expect(patch.status).toBe(409);
    expect(patch.body['detail']).toContain('qualify');
  });

  it('is 404 for a verb a noun does not declare', async () => {
    const tenant = aTenant();
    const org = await post(`/~${tenant}/organizations`, anOrganization());
    expect((await post(`/~${tenant}/organizations/${org.body['$id']}/qualify`)).status).toBe(404);
  });
});

describe('POST /~t/contacts/{id}/assign', () => {
  it('sets the owner and keeps the previous one in the event', async () => {
    const tenant = aTenant();
    const contact = await aContactIn(tenant, { owner: 'ana' });
    const assigned = await post(`/~${tenant}/contacts/${contact['$id']}/assign`, { owner: 'ben' });
    expect(assigned.status).toBe(200);
    expect(assigned.body['owner']).toBe('ben');
    const events = await apiJson(`/~${tenant}/events?type=Contact.Assigned`);
    expect(events.body['data'][0].data).toMatchObject({ owner: 'ben', previousOwner: 'ana' });
    expect((await post(`/~${tenant}/contacts/${contact['$id']}/assign`, { owner: '' })).status).toBe(422);
  });
});

describe('POST /~t/contacts/{id}/merge', () => {
  const title =
    'moves references to the target, redirects GET on a source and lands captures of its email on the target';
  it(title, async () => {
    const tenant = aTenant();
    const target = await aContactIn(tenant, { name: 'Target', email: undefined });
    const source = await aContactIn(tenant, { name: 'Source', email: 'dup@startup.io', title: 'CTO' });
    const report = await aContactIn(tenant, { manager: source['$id'] });
    const activity = await post(`/~${tenant}/activities`, {
      subject: 'Intro call',
      type: 'Call',
      contact: source['$id'],
    });
    const merged = await post(`/~${tenant}/contacts/${target['$id']}/merge`, { sources: [source['$id']] });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ name: 'Target', email: 'dup@startup.io', title: 'CTO' });

    const redirected = await exports.default.fetch(
      new Request(`http://crm.test/~${tenant}/contacts/${source['$id']}`, {
        redirect: 'manual',
        headers: { authorization: `Bearer ${ADMIN}` },
      }),
    );
    expect(redirected.status).toBe(308);
    expect(redirected.headers.get('location')).toBe(`/~${tenant}/contacts/${target['$id']}`);
    expect((await apiJson(`/~${tenant}/contacts/${report['$id']}`)).body['manager']).toBe(target['$id']);
    expect((await apiJson(`/~${tenant}/activities/${activity.body['$id']}`)).body['contact']).toBe(target['$id']);
    const included = await apiJson(`/~${tenant}/contacts/${target['$id']}?include=activities,reports`);
    expect(included.body['activities'].map((a: any) => a.$id)).toEqual([activity.body['$id']]);
    expect(included.body['reports'].map((r: any) => r.$id)).toEqual([report['$id']]);

    const write = await apiJson(`/~${tenant}/contacts/${source['$id']}`, { method: 'PATCH', body: { title: 'X' } });
    expect(write.status).toBe(409);
    const capture = await post(`/~${tenant}/contacts/capture`, { email: 'DUP@startup.io', source: 'ebook' });
    expect(capture.status).toBe(200);
    expect(capture.body['$id']).toBe(target['$id']);
  });

  it('refuses self (409), a deleted source (409), a merged source (409) and a bad body (422)', async () => {
    const tenant = aTenant();
    const [a, b, c] = [await aContactIn(tenant), await aContactIn(tenant), await aContactIn(tenant)];
    expect((await post(`/~${tenant}/contacts/${a['$id']}/merge`, { sources: [a['$id']] })).status).toBe(409);
    await apiJson(`/~${tenant}/contacts/${b['$id']}`, { method: 'DELETE' });
    expect((await post(`/~${tenant}/contacts/${a['$id']}/merge`, { sources: [b['$id']] })).status).toBe(409);
    expect((await post(`/~${tenant}/contacts/${a['$id']}/merge`, { sources: [c['$id']] })).status).toBe(200);
    const d = await aContactIn(tenant);
    expect((await post(`/~${tenant}/contacts/${d['$id']}/merge`, { sources: [c['$id']] })).status).toBe(409);
    expect((await post(`/~${tenant}/contacts/${d['$id']}/merge`, { sources: [] })).status).toBe(422);
    expect(
      (await post(`/~${tenant}/contacts/${d['$id']}/merge`, { sources: Array.from({ length: 11 }, () => d['$id']) }))
        .status,
    ).toBe(422);
  });
});

describe('POST /~t/contacts/{id}/enrich', () => {
  it("fills empty fields, keeps provenance readable per field, and takes the bound provider's data last", async () => {
    const tenant = aTenant();
    const contact = await aContactIn(tenant, { name: 'Known Person', email: 'known@provider.test', title: 'Engineer' });
    const enriched = await post(`/~${tenant}/contacts/${contact['$id']}/enrich`, {
      data: { department: 'R&D', phone: '+1 555 0101' },
      source: 'sales-notes',
    });
    expect(enriched.status).toBe(200);
    expect(enriched.headers.get('x-enrichment-provider')).toBe('provider:acme-data');
    expect(enriched.body).toMatchObject({
      title: 'Engineer',
      department: 'R&D',
      phone: '+1 555 0101',
      twitterHandle: '@knownperson',
      firstName: 'Known',
      lastName: 'Person',
    });
    expect(enriched.body['stage']).toBe('Lead'); // enrichment fills data, never lifecycle fields
    const provenance = await apiJson(`/~${tenant}/contacts/${contact['$id']}/provenance`);
    expect(provenance.body['fields']).toMatchObject({
      department: { source: 'sales-notes' },
      phone: { source: 'sales-notes' },
      twitterHandle: { source: 'provider:acme-data' },
      firstName: { source: 'derived:name' },
      avatar: { source: 'derived:gravatar' },
      title: { source: 'Contact.Created' },
    });
  });

  it('answers provenance 410 for a deleted contact and 404 for an unknown one', async () => {
    const tenant = aTenant();
    const contact = await aContactIn(tenant);
    await apiJson(`/~${tenant}/contacts/${contact['$id']}`, { method: 'DELETE' });
    expect((await apiJson(`/~${tenant}/contacts/${contact['$id']}/provenance`)).status).toBe(410);
    expect((await apiJson(`/~${tenant}/contacts/contact_01ARZ3NDEKTSV4RRFFQ69G5FAV/provenance`)).status).toBe(404);
  });

  it('refuses a read key with 403 before the provider is asked anything', async () => {
    const tenant = aTenant();
    const contact = await aContactIn(tenant, { email: 'unasked@provider.test' });
    const { key } = await aKey(tenant, ['read']);
    const answer = await apiJson(`/~${tenant}/contacts/${contact['$id']}/enrich`, {
      body: { data: { title: 'CTO' }, source: 'manual' },
      token: key,
    });
    expect(answer.status).toBe(403);
    const asked = await env.ENRICHMENT!.fetch('https://provider.test/asked?email=unasked@provider.test');
    expect(await asked.json()).toEqual({ count: 0 });
  });

  it('goes on without the provider when it fails', async () => {
    const tenant = aTenant();
    const contact = await aContactIn(tenant, { email: 'broken@provider.test' });
    const enriched = await post(`/~${tenant}/contacts/${contact['$id']}/enrich`, {
      data: { title: 'CTO' },
      source: 'manual',
    });
    expect(enriched.status).toBe(200);
    expect(enriched.headers.get('x-enrichment-provider')).toBe('no-data');
    expect(enriched.body['title']).toBe('CTO');
  });

  it('refuses lifecycle fields (422), a missing source (422) and a merged contact (409)', async () => {
    const tenant = aTenant();
    const contact = await aContactIn(tenant);
    expect(
      (await post(`/~${tenant}/contacts/${contact['$id']}/enrich`, { data: { stage: 'Customer' }, source: 's' }))
        .status,
    ).toBe(422);
    expect((await post(`/~${tenant}/contacts/${contact['$id']}/enrich`, { data: { title: 'CTO' } })).status).toBe(422);
    const target = await aContactIn(tenant);
    await post(`/~${tenant}/contacts/${target['$id']}/merge`, { sources: [contact['$id']] });
    expect(
      (await post(`/~${tenant}/contacts/${contact['$id']}/enrich`, { data: { title: 'CTO' }, source: 's' })).status,
    ).toBe(409);
  });
});
