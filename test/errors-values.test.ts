// The error table, part 2: 422 for values a noun does not accept. Each answer names the field by its
// path, says what is accepted, and leaves the log as it was.
import { describe, expect, it } from 'vitest';
import { aContact, aDeal, aLead, anActivity, anOrganization, created } from './builders';
import { aTenant, api } from './http';
import { expectProblem, messageAt } from './problem';

async function rejectsContact(tenant: string, fields: Record<string, unknown>, path: string): Promise<string> {
  const { body } = await expectProblem(tenant, `/~${tenant}/contacts`, { method: 'POST', body: aContact(fields) }, 422);
  return messageAt(body, path);
}

describe('a contact with values of the wrong kind', () => {
  it('lists the allowed values of an enum', async () => {
    const tenant = aTenant();
    expect(await rejectsContact(tenant, { stage: 'Prospect' }, '/stage')).toBe(
      'must be one of Lead, Qualified, Customer, Churned, Partner',
    );
    expect(await rejectsContact(tenant, { role: 'decisionmaker' }, '/role')).toBe(
      'must be one of DecisionMaker, Influencer, Champion, Blocker, User',
    );
    expect(await rejectsContact(tenant, { preferredChannel: 3 }, '/preferredChannel')).toMatch(
      /Email, Phone, SMS, Chat/,
    );
  });

  it('refuses a datetime that is not ISO 8601 with an offset, or not on the calendar', async () => {
    const tenant = aTenant();
    const values = [
      '2026-01-31',
      '31/01/2026 09:30',
      '2026-01-31T09:30:00',
      '2026-02-30T09:30:00Z',
      '2026-01-31T24:00:00Z',
      '2026-01-31T09:30:00+99:99',
      1767225600000,
    ];
    for (const value of values)
      expect(await rejectsContact(tenant, { lastEngagement: value }, '/lastEngagement')).toMatch(/ISO 8601|date-time/);
  });

  it('refuses an email that is not an address', async () => {
    const tenant = aTenant();
    for (const value of ['alice', 'alice@', '@acme.dev', 'alice @acme.dev', 'alice@acme'])
      expect(await rejectsContact(tenant, { email: value }, '/email')).toMatch(/email address/);
  });

  it('refuses an avatar or linkedinUrl that is not an http(s) URL', async () => {
    const tenant = aTenant();
    expect(await rejectsContact(tenant, { avatar: 'ftp://acme.dev/a.png' }, '/avatar')).toMatch(/http\(s\) URL/);
    expect(await rejectsContact(tenant, { linkedinUrl: 'javascript:alert(1)' }, '/linkedinUrl')).toMatch(
      /http\(s\) URL/,
    );
    expect(await rejectsContact(tenant, { linkedinUrl: 'linkedin.com/in/alice' }, '/linkedinUrl')).toMatch(
      /http\(s\) URL/,
    );
  });

  it('refuses an unknown IANA time zone and an invalid BCP 47 language tag', async () => {
    const tenant = aTenant();
    for (const zone of ['Mars/Olympus_Mons', 'Europe/Berlinn', 'GMT+25', '+05:00', 'utc', 'europe/berlin'])
      expect(await rejectsContact(tenant, { timezone: zone }, '/timezone')).toMatch(/IANA time zone/);
    for (const language of ['english', 'e', 'en_US', 'x'])
      expect(await rejectsContact(tenant, { language }, '/language')).toMatch(/BCP 47/);
  });

  it('refuses a string over its cap, saying the cap', async () => {
    const tenant = aTenant();
    expect(await rejectsContact(tenant, { name: 'n'.repeat(201) }, '/name')).toBe('must be at most 200 characters');
    expect(await rejectsContact(tenant, { department: 'd'.repeat(1001) }, '/department')).toBe(
      'must be at most 1000 characters',
    );
  });

  it('refuses a missing or blank required field, and wrong JSON types', async () => {
    const tenant = aTenant();
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: { email: 'a@acme.dev' } },
      422,
    );
    expect(messageAt(body, '/name')).toBe('is required');
    expect(await rejectsContact(tenant, { name: '   ' }, '/name')).toMatch(/empty/);
    expect(await rejectsContact(tenant, { title: 42 }, '/title')).toBe('must be a string');
    const deal = await expectProblem(
      tenant,
      `/~${tenant}/deals`,
      { method: 'POST', body: aDeal({ value: '12000' }) },
      422,
    );
    expect(messageAt(deal.body, '/value')).toBe('must be a finite number');
  });

  it('refuses an empty unique value, which would otherwise be taken by the first blank', async () => {
    const tenant = aTenant();
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/organizations`,
      { method: 'POST', body: anOrganization({ domain: '  ' }) },
      422,
    );
    expect(messageAt(body, '/domain')).toMatch(/empty/);
  });

  it('reports every bad field at once', async () => {
    const tenant = aTenant();
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: aContact({ stage: 'x', email: 'y', timezone: 'z' }) },
      422,
    );
    expect(body.errors?.map((e) => e.path).sort()).toEqual(['/email', '/stage', '/timezone']);
  });
});

describe('a contact with well-formed values', () => {
  it('is accepted, each value stored as sent (trimmed)', async () => {
    const tenant = aTenant();
    const values = [
      {
        timezone: 'Europe/Berlin',
        language: 'en',
        lastEngagement: '2026-01-31T09:30:00Z',
        email: "o'brien+crm@mail.acme.co.uk",
      },
      {
        timezone: 'UTC',
        language: 'pt-BR',
        lastEngagement: '2026-01-31T09:30:00.123+05:30',
        avatar: 'https://cdn.acme.dev/a.png',
      },
      {
        timezone: 'Asia/Calcutta',
        language: 'zh-Hant-TW',
        lastEngagement: '2026-06-30T23:59:59-08:00',
        linkedinUrl: 'http://linkedin.com/in/a',
      },
      { timezone: 'America/Argentina/Buenos_Aires', language: 'yue' },
      { timezone: 'US/Pacific' },
      { timezone: 'Etc/GMT+5', name: `  ${'n'.repeat(200)}  ` },
    ];
    for (const fields of values) {
      const contact = await created(tenant, 'contacts', aContact(fields));
      expect(contact).toMatchObject(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.trim()])));
    }
  });
});

describe('a write to a field the system owns', () => {
  it('refuses leadScore and the inverse fields of a contact', async () => {
    const tenant = aTenant();
    expect(await rejectsContact(tenant, { leadScore: 90 }, '/leadScore')).toMatch(/computed/);
    for (const field of ['leads', 'activities', 'reports'])
      expect(await rejectsContact(tenant, { [field]: [] }, `/${field}`)).toMatch(/read-only/);
    const contact = await created(tenant, 'contacts', aContact());
    const patch = await expectProblem(
      tenant,
      `/~${tenant}/contacts/${contact['$id']}`,
      { method: 'PATCH', body: { leadScore: 100 } },
      422,
    );
    expect(messageAt(patch.body, '/leadScore')).toMatch(/computed/);
  });

  it('refuses contacts on an organization and $ metadata on any noun', async () => {
    const tenant = aTenant();
    const org = await expectProblem(
      tenant,
      `/~${tenant}/organizations`,
      { method: 'POST', body: anOrganization({ contacts: [] }) },
      422,
    );
    expect(messageAt(org.body, '/contacts')).toMatch(/read-only/);
    expect(await rejectsContact(tenant, { $version: 7 }, '/$version')).toMatch(/read-only/);
  });
});

describe('a reference that points at nothing live of the right noun', () => {
  it('refuses an organization that does not exist', async () => {
    const tenant = aTenant();
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: aContact({ organization: 'org_01ARZ3NDEKTSV4RRFFQ69G5FAV' }) },
      422,
    );
    expect(body.type).toMatch(/invalid_reference$/);
    expect(messageAt(body, '/organization')).toMatch(/org_01ARZ3NDEKTSV4RRFFQ69G5FAV/);
  });

  it('refuses a deleted organization and a deleted manager', async () => {
    const tenant = aTenant();
    const org = await created(tenant, 'organizations', anOrganization());
    const boss = await created(tenant, 'contacts', aContact());
    expect((await api(`/~${tenant}/organizations/${org['$id']}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/~${tenant}/contacts/${boss['$id']}`, { method: 'DELETE' })).status).toBe(204);
    expect(await rejectsContact(tenant, { organization: org['$id'] }, '/organization')).toMatch(/no live Organization/);
    expect(await rejectsContact(tenant, { manager: boss['$id'] }, '/manager')).toMatch(/no live Contact/);
  });

  it('refuses the id of another noun', async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    const org = await created(tenant, 'organizations', anOrganization());
    expect(await rejectsContact(tenant, { organization: contact['$id'] }, '/organization')).toMatch(/Organization/);
    expect(await rejectsContact(tenant, { manager: org['$id'] }, '/manager')).toMatch(/Contact/);
  });

  const everyNounTitle =
    'holds for every noun’s references: a lead’s contact, an activity’s contact, a deal’s organization';
  it(everyNounTitle, async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    const org = await created(tenant, 'organizations', anOrganization());
    expect((await api(`/~${tenant}/contacts/${contact['$id']}`, { method: 'DELETE' })).status).toBe(204);
    const lead = await expectProblem(
      tenant,
      `/~${tenant}/leads`,
      { method: 'POST', body: aLead({ contact: org['$id'] }) },
      422,
    );
    expect(messageAt(lead.body, '/contact')).toMatch(/Contact/);
    const activity = await expectProblem(
      tenant,
      `/~${tenant}/activities`,
      { method: 'POST', body: anActivity({ contact: contact['$id'] }) },
      422,
    );
    expect(messageAt(activity.body, '/contact')).toMatch(/no live Contact/);
    const deal = await expectProblem(
      tenant,
      `/~${tenant}/deals`,
      { method: 'POST', body: aDeal({ organization: 'org_01ARZ3NDEKTSV4RRFFQ69G5FAV' }) },
      422,
    );
    expect(messageAt(deal.body, '/organization')).toMatch(/no live Organization/);
  });
});
