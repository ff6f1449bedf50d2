// The spec's verb lifecycle through HTTP: the default qualifying hooks refuse with the spec's
// messages, qualified leaves the Deal and the follow-up Activity, churn leaves the win-back campaign.
import { describe, expect, it } from 'vitest';
import { aContact, anOrganization } from './builders';
import { aTenant, apiJson, eventCount } from './http';

interface CloudEventLike {
  type: string;
  id: string;
  subject: string;
  seq: number;
  causationid?: string;
  data: Record<string, any>;
}

async function eventsOf(tenant: string): Promise<CloudEventLike[]> {
  return (await apiJson<{ data: CloudEventLike[] }>(`/~${tenant}/events?limit=1000`)).body.data;
}

// business email 10 + executive title 20 + phone 5 + organization 5 = 40 with the default weights.
async function aQualifiableContact(tenant: string, overrides: Record<string, unknown> = {}) {
  const org = await apiJson(`/~${tenant}/organizations`, { body: anOrganization() });
  const created = await apiJson(`/~${tenant}/contacts`, {
    body: aContact({
      email: `ceo${Math.random().toString(36).slice(2, 8)}@startup.io`,
      title: 'CEO',
      phone: '+1 555 0100',
      organization: org.body['$id'],
      stage: 'Lead',
      ...overrides,
    }),
  });
  expect(created.status).toBe(201);
  return created.body;
}

describe('qualifying (the spec BEFORE hook)', () => {
  it('refuses a contact without an email with 422 "Email required for qualification"', async () => {
    const tenant = aTenant();
    const contact = await aQualifiableContact(tenant, { email: undefined });
    const before = await eventCount(tenant);
    const answer = await apiJson(`/~${tenant}/contacts/${contact['$id']}/qualify`, { method: 'POST' });
    expect(answer.status).toBe(422);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(answer.body).toMatchObject({
      status: 422,
      title: 'Rejected by a hook',
      detail: 'Email required for qualification',
    });
    expect(await eventCount(tenant)).toBe(before);
    expect((await apiJson(`/~${tenant}/contacts/${contact['$id']}`)).body['stage']).toBe('Lead');
  });

  it('refuses a score of 39 with 422 "Lead score too low" and accepts 40', async () => {
    const tenant = aTenant();
    await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { weights: { phone: 4 } } });
    const low = await aQualifiableContact(tenant);
    expect(low['leadScore']).toBe(39);
    const refused = await apiJson(`/~${tenant}/contacts/${low['$id']}/qualify`, { method: 'POST' });
    expect(refused.status).toBe(422);
    expect(refused.body['detail']).toBe('Lead score too low');

    await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { weights: { phone: 5 } } });
    const enough = await aQualifiableContact(tenant);
    expect(enough['leadScore']).toBe(40);
    const qualified = await apiJson(`/~${tenant}/contacts/${enough['$id']}/qualify`, { method: 'POST' });
    expect(qualified.status).toBe(200);
    expect(qualified.body['stage']).toBe('Qualified');
  });

  it('refuses 39 points reached with the default weights, and qualifies once an activity adds the 40th', async () => {
    const tenant = aTenant();
    const org = await apiJson(`/~${tenant}/organizations`, { body: anOrganization() });
    // business email 10 + manager title 8 + DecisionMaker 15 + organization 5 = 38; one Task adds 1.
    const contact = await apiJson(`/~${tenant}/contacts`, {
      body: aContact({
        email: 'em@startup.io',
        title: 'Engineering Manager',
        role: 'DecisionMaker',
        organization: org.body['$id'],
        stage: 'Lead',
      }),
    });
    expect(contact.body['leadScore']).toBe(38);
    const task = { subject: 'Send deck', type: 'Task', contact: contact.body['$id'] };
    await apiJson(`/~${tenant}/activities`, { body: task });
    expect((await apiJson(`/~${tenant}/contacts/${contact.body['$id']}`)).body['leadScore']).toBe(39);
    const refused = await apiJson(`/~${tenant}/contacts/${contact.body['$id']}/qualify`, { method: 'POST' });
    expect(refused.status).toBe(422);
    expect(refused.body['detail']).toBe('Lead score too low');
    await apiJson(`/~${tenant}/activities`, { body: task });
    const qualified = await apiJson(`/~${tenant}/contacts/${contact.body['$id']}/qualify`, { method: 'POST' });
    expect(qualified.status).toBe(200);
    expect(qualified.body).toMatchObject({ stage: 'Qualified', leadScore: 40 });
  });

  it('reads the threshold from the tenant settings', async () => {
    const tenant = aTenant();
    const contact = await aQualifiableContact(tenant);
    const patched = await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { qualifyThreshold: 41 } });
    expect(patched.body['qualifyThreshold']).toBe(41);
    expect((await apiJson(`/~${tenant}/contacts/${contact['$id']}/qualify`, { method: 'POST' })).body['detail']).toBe(
      'Lead score too low',
    );
  });
});

describe('qualified (the spec AFTER hook)', () => {
  it('leaves the Deal and the follow-up Activity with the spec values, caused by the Qualified event', async () => {
    const tenant = aTenant();
    const contact = await aQualifiableContact(tenant, { name: 'Bob Rivera' });
    const answer = await apiJson(`/~${tenant}/contacts/${contact['$id']}/qualify`, { method: 'POST' });
    expect(answer.status).toBe(200);
    const events = await eventsOf(tenant);
    const qualified = events.find((e) => e.type === 'Contact.Qualified')!;
    const deal = events.find((e) => e.type === 'Deal.Created')!;
    const activity = events.find((e) => e.type === 'Activity.Created')!;
    expect(deal.causationid).toBe(qualified.id);
    expect(activity.causationid).toBe(qualified.id);
    const dealRead = await apiJson(`/~${tenant}/deals/${deal.subject}`);
    expect(dealRead.body).toMatchObject({
      name: 'Bob Rivera - Inbound',
      value: 12000,
      contact: contact['$id'],
      organization: contact['organization'],
      stage: 'Prospecting',
    });
    const activityRead = await apiJson(`/~${tenant}/activities/${activity.subject}`);
    expect(activityRead.body).toMatchObject({
      subject: 'Follow up with Bob Rivera',
      type: 'Task',
      contact: contact['$id'],
      status: 'Pending',
      priority: 'High',
    });
  });

  it('runs once per qualify: an idempotent retry adds no second Deal', async () => {
    const tenant = aTenant();
    const contact = await aQualifiableContact(tenant);
    const headers = { 'idempotency-key': 'q-1' };
    await apiJson(`/~${tenant}/contacts/${contact['$id']}/qualify`, { method: 'POST', headers });
    await apiJson(`/~${tenant}/contacts/${contact['$id']}/qualify`, { method: 'POST', headers });
    expect((await eventsOf(tenant)).filter((e) => e.type === 'Deal.Created')).toHaveLength(1);
  });
});

describe('updated to Churned (the spec cross-domain hook)', () => {
  it('leaves the win-back Email campaign for churned-customers, once', async () => {
    const tenant = aTenant();
    const contact = await apiJson(`/~${tenant}/contacts`, {
      body: aContact({ name: 'Carol Diaz', stage: 'Customer' }),
    });
    const churned = await apiJson(`/~${tenant}/contacts/${contact.body['$id']}`, {
      method: 'PATCH',
      body: { stage: 'Churned' },
    });
    expect(churned.status).toBe(200);
    await apiJson(`/~${tenant}/contacts/${contact.body['$id']}`, { method: 'PATCH', body: { title: 'Advisor' } });
    const events = await eventsOf(tenant);
    const campaigns = events.filter((e) => e.type === 'Campaign.Created');
    expect(campaigns).toHaveLength(1);
    const update = events.find((e) => e.type === 'Contact.Updated' && e.data['changes']['stage'])!;
    expect(campaigns[0]!.causationid).toBe(update.id);
    const campaign = await apiJson(`/~${tenant}/campaigns/${campaigns[0]!.subject}`);
    expect(campaign.body).toMatchObject({ name: 'Win-back: Carol Diaz', type: 'Email', segment: 'churned-customers' });
  });
});
