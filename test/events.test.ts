// GET /~t/events: the log as CloudEvents 1.0, with a gapless seq and a hash chain an outsider can verify.
import validateSchema from 'cloudevents/dist/schema/v1';
import { describe, expect, it } from 'vitest';
import { type StoredEvent, verifyChain } from '../domain/events';
import { aContact, anOrganization, created } from './builders';
import { aTenant, api, apiJson } from './http';

type Wire = Record<string, any>;

// The cloudevents SDK's own compiled JSON-schema validator (its CloudEvent class pulls in a uuid
// build workerd cannot load); ajv leaves the reasons on the function.
const validateCloudEvent = validateSchema as typeof validateSchema & { errors?: unknown };

async function allEvents(tenant: string, query = ''): Promise<Wire[]> {
  const out: Wire[] = [];
  for (let after = '0'; ; ) {
    const page = await apiJson(`/~${tenant}/events?after=${after}&limit=2${query}`);
    expect(page.status).toBe(200);
    out.push(...page.body['data']);
    if (!page.body['next']) return out;
    after = page.body['next'];
  }
}

/** A CloudEvent read back into the stored form verifyChain checks. */
function stored(e: Wire): StoredEvent {
  return {
    seq: e['seq'],
    id: e['id'],
    type: e['type'],
    entityType: e['type'].split('.')[0],
    entityId: e['subject'],
    entityVersion: e['entityversion'],
    time: e['time'],
    actor: e['actor'],
    causationId: e['causationid'] ?? null,
    correlationId: e['correlationid'] ?? null,
    data: e['data'],
    dataHash: e['datahash'],
    prevHash: e['prevhash'],
    hash: e['hash'],
  };
}

async function aBusyTenant(): Promise<{ tenant: string; contact: Record<string, any> }> {
  const tenant = aTenant();
  const org = await created(tenant, 'organizations', anOrganization());
  const contact = await created(tenant, 'contacts', aContact({ title: 'Engineer', organization: org['$id'] }));
  expect(
    (
      await api(`/~${tenant}/contacts/${contact['$id']}`, {
        method: 'PATCH',
        body: { title: 'CTO', organization: null },
      })
    ).status,
  ).toBe(200);
  expect((await api(`/~${tenant}/contacts/${contact['$id']}`, { method: 'DELETE' })).status).toBe(204);
  return { tenant, contact };
}

describe('the event log as CloudEvents', () => {
  it('passes the CloudEvents 1.0 schema, with lower-case alphanumeric attribute names', async () => {
    const { tenant } = await aBusyTenant();
    const events = await allEvents(tenant);
    // org Created, contact Created, Updated, Scored (title and organization are score inputs), Deleted.
    expect(events).toHaveLength(5);
    for (const event of events) {
      expect(validateCloudEvent(event), JSON.stringify(validateCloudEvent.errors)).toBe(true);
      for (const name of Object.keys(event)) expect(name).toMatch(/^[a-z0-9]+$/);
    }
  });

  it('carries source, subject, type, ULID id, time and the extensions', async () => {
    const { tenant, contact } = await aBusyTenant();
    const [, created] = await allEvents(tenant);
    expect(created).toMatchObject({
      specversion: '1.0',
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      source: `/~${tenant}/contacts/${contact['$id']}`,
      type: 'Contact.Created',
      subject: contact['$id'],
      time: contact['$createdAt'],
      datacontenttype: 'application/json',
      seq: 2,
      entityversion: 1,
      actor: 'admin',
      prevhash: expect.stringMatching(/^[0-9a-f]{64}$/),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(created!['data']).toEqual({
      name: contact['name'],
      email: contact['email'],
      title: 'Engineer',
      organization: contact['organization'],
      leadScore: contact['leadScore'],
      stage: 'Lead',
    });
  });

  it('records an update as changes {from, to}, null for a cleared field', async () => {
    const { tenant, contact } = await aBusyTenant();
    const [updated] = await allEvents(tenant, '&type=Contact.Updated');
    expect(updated!['data']).toEqual({
      changes: { title: { from: 'Engineer', to: 'CTO' }, organization: { from: contact['organization'], to: null } },
    });
    expect(updated!['entityversion']).toBe(2);
  });

  it('carries X-Request-Id as the correlation id', async () => {
    const tenant = aTenant();
    expect(
      (await api(`/~${tenant}/contacts`, { method: 'POST', body: aContact(), headers: { 'x-request-id': 'req-42' } }))
        .status,
    ).toBe(201);
    const [event] = await allEvents(tenant);
    expect(event!['correlationid']).toBe('req-42');
  });
});

describe('the seq and the hash chain', () => {
  it('numbers events 1, 2, 3 … without gaps, pages included', async () => {
    const { tenant } = await aBusyTenant();
    expect((await allEvents(tenant)).map((e) => e['seq'])).toEqual([1, 2, 3, 4, 5]);
    const after2 = await apiJson(`/~${tenant}/events?after=2`);
    expect(after2.body['data'].map((e: Wire) => e['seq'])).toEqual([3, 4, 5]);
    expect(after2.headers.get('x-event-seq')).toBe('5');
  });

  it('is a chain verifyChain accepts from the genesis hash', async () => {
    const { tenant } = await aBusyTenant();
    const events = (await allEvents(tenant)).map(stored);
    expect(events[0]!.prevHash).toBe('0'.repeat(64));
    expect(verifyChain(events)).toEqual({ seq: 5, hash: events[4]!.hash });
  });

  it('shows tampering, loss and reordering to verifyChain', async () => {
    const { tenant } = await aBusyTenant();
    const events = (await allEvents(tenant)).map(stored);
    const tampered = events.map((e) => (e.seq === 2 ? { ...e, data: { ...e.data, title: 'CEO' } } : e));
    expect(verifyChain(tampered)).toMatchObject({ seq: 2, reason: expect.stringMatching(/datahash/) });
    expect(verifyChain(events.filter((e) => e.seq !== 3))).toMatchObject({
      seq: 3,
      reason: expect.stringMatching(/expected seq 3/),
    });
    expect(verifyChain([events[0]!, { ...events[1]!, actor: 'someone-else' }])).toMatchObject({
      seq: 2,
      reason: expect.stringMatching(/hash/),
    });
  });
});

describe('the events route', () => {
  it('filters by type', async () => {
    const { tenant } = await aBusyTenant();
    expect((await allEvents(tenant, '&type=Contact.Deleted')).map((e) => e['type'])).toEqual(['Contact.Deleted']);
  });

  it('refuses a negative after and an out-of-range limit with 400', async () => {
    const { tenant } = await aBusyTenant();
    for (const query of ['after=-1', 'after=x', 'limit=0', 'limit=1001', 'limit=2.5'])
      expect((await apiJson(`/~${tenant}/events?${query}`)).status).toBe(400);
  });
});
