// Email uniqueness under concurrency: the log's single thread plus synchronous SQLite makes the
// check and the append one step, so racing creates cannot both win.
import { describe, expect, it } from 'vitest';
import { aContact, created } from './builders';
import { aTenant, api, apiJson, eventCount } from './http';

async function createdEvents(tenant: string): Promise<{ subject: string; data: Record<string, unknown> }[]> {
  const page = await apiJson(`/~${tenant}/events?type=Contact.Created&limit=1000`);
  return page.body['data'];
}

describe('50 concurrent creates with one email', () => {
  it('gives exactly one 201, 49 × 409 naming the winner, and one Created event', async () => {
    const tenant = aTenant();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        apiJson(`/~${tenant}/contacts`, {
          method: 'POST',
          body: aContact({ email: i % 2 ? 'Race@Acme.dev' : ' race@acme.dev ' }),
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const winner = answers.find((a) => a.status === 201)!.body['$id'];
    for (const loser of answers.filter((a) => a.status === 409)) expect(loser.body['existingId']).toBe(winner);
    const events = await createdEvents(tenant);
    expect(events.map((e) => e.subject)).toEqual([winner]);
    expect(await eventCount(tenant)).toBe(1);
  });
});

describe('email comparison', () => {
  it('treats emails that differ in case or surrounding space as the same', async () => {
    const tenant = aTenant();
    const alice = await created(tenant, 'contacts', aContact({ email: 'Alice@Acme.dev' }));
    for (const email of ['alice@acme.dev', 'ALICE@ACME.DEV', '  alice@Acme.dev\t']) {
      const answer = await apiJson(`/~${tenant}/contacts`, { method: 'POST', body: aContact({ email }) });
      expect(answer.status).toBe(409);
      expect(answer.body['existingId']).toBe(alice['$id']);
    }
  });

  it('stores the email trimmed, keeping its case', async () => {
    const tenant = aTenant();
    const alice = await created(tenant, 'contacts', aContact({ email: '  Alice@Acme.dev ' }));
    expect(alice['email']).toBe('Alice@Acme.dev');
  });

  it('lets a contact change the case of its own email', async () => {
    const tenant = aTenant();
    const alice = await created(tenant, 'contacts', aContact({ email: 'alice@acme.dev' }));
    const answer = await apiJson(`/~${tenant}/contacts/${alice['$id']}`, {
      method: 'PATCH',
      body: { email: 'ALICE@acme.dev' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body['email']).toBe('ALICE@acme.dev');
  });
});

describe('a freed email', () => {
  it('is free again once its contact is deleted', async () => {
    const tenant = aTenant();
    const first = await created(tenant, 'contacts', aContact({ email: 'alice@acme.dev' }));
    expect((await api(`/~${tenant}/contacts/${first['$id']}`, { method: 'DELETE' })).status).toBe(204);
    const second = await created(tenant, 'contacts', aContact({ email: 'ALICE@acme.dev' }));
    expect(second['$id']).not.toBe(first['$id']);
  });

  it('is free again once its contact takes another email, or clears it', async () => {
    const tenant = aTenant();
    const alice = await created(tenant, 'contacts', aContact({ email: 'alice@acme.dev' }));
    const bob = await created(tenant, 'contacts', aContact({ email: 'bob@acme.dev' }));
    expect(
      (await api(`/~${tenant}/contacts/${alice['$id']}`, { method: 'PATCH', body: { email: 'alice@globex.dev' } }))
        .status,
    ).toBe(200);
    expect((await api(`/~${tenant}/contacts/${bob['$id']}`, { method: 'PATCH', body: { email: null } })).status).toBe(
      200,
    );
    await created(tenant, 'contacts', aContact({ email: 'alice@acme.dev' }));
    await created(tenant, 'contacts', aContact({ email: 'bob@acme.dev' }));
  });

  it('is per tenant: two tenants may each hold it', async () => {
    const email = 'shared@acme.dev';
    await created(aTenant('acme'), 'contacts', aContact({ email }));
    await created(aTenant('globex'), 'contacts', aContact({ email }));
  });
});
