// Idempotency-Key: a retried write gets the first answer back and appends nothing; the key is the
// caller's own, and may not be reused for another request.
import { describe, expect, it } from 'vitest';
import { aContact, aKey, anOrganization, created } from './builders';
import { aTenant, api, apiJson, eventCount } from './http';
import { expectProblem } from './problem';

const KEY = { 'idempotency-key': 'create-alice-1' };

describe('a retried create', () => {
  it('returns the first answer: status, body, Location, ETag and X-Event-Seq', async () => {
    const tenant = aTenant();
    const body = aContact();
    const first = await apiJson(`/~${tenant}/contacts`, { method: 'POST', body, headers: KEY });
    await created(tenant, 'contacts', aContact());
    const retry = await apiJson(`/~${tenant}/contacts`, { method: 'POST', body, headers: KEY });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    for (const header of ['location', 'etag', 'x-event-seq'])
      expect(retry.headers.get(header)).toBe(first.headers.get(header));
    expect(retry.headers.get('x-event-seq')).toBe('1');
    expect(await eventCount(tenant)).toBe(2);
  });

  it('appends one event when ten retries race', async () => {
    const tenant = aTenant();
    const body = aContact();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => apiJson(`/~${tenant}/contacts`, { method: 'POST', body, headers: KEY })),
    );
    expect(new Set(answers.map((a) => a.body['$id'])).size).toBe(1);
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(await eventCount(tenant)).toBe(1);
  });

  it('replays a first answer that was a refusal', async () => {
    const tenant = aTenant();
    const alice = await created(tenant, 'contacts', aContact({ email: 'alice@acme.dev' }));
    const body = aContact({ email: 'alice@acme.dev' });
    const first = await apiJson(`/~${tenant}/contacts`, { method: 'POST', body, headers: KEY });
    expect((await api(`/~${tenant}/contacts/${alice['$id']}`, { method: 'DELETE' })).status).toBe(204);
    const retry = await apiJson(`/~${tenant}/contacts`, { method: 'POST', body, headers: KEY });
    expect(first.status).toBe(409);
    expect(retry.status).toBe(409);
    expect(retry.body).toEqual(first.body);
    expect(await eventCount(tenant)).toBe(2);
  });
});

describe('a retried update or delete', () => {
  it('replays an update’s 200 without a second Updated event', async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    const call = { method: 'PATCH', body: { department: 'Platform' }, headers: { 'idempotency-key': 'promote' } };
    const first = await apiJson(`/~${tenant}/contacts/${contact['$id']}`, call);
    const retry = await apiJson(`/~${tenant}/contacts/${contact['$id']}`, call);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('etag')).toBe('"2"');
    expect(await eventCount(tenant)).toBe(2);
  });

  it('replays a delete’s 204 where a plain second delete is 410', async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    const call = { method: 'DELETE', headers: { 'idempotency-key': 'remove' } };
    const first = await api(`/~${tenant}/contacts/${contact['$id']}`, call);
    const retry = await api(`/~${tenant}/contacts/${contact['$id']}`, call);
    expect([first.status, retry.status]).toEqual([204, 204]);
    expect(retry.headers.get('x-event-seq')).toBe(first.headers.get('x-event-seq'));
    expect((await api(`/~${tenant}/contacts/${contact['$id']}`, { method: 'DELETE' })).status).toBe(410);
    expect(await eventCount(tenant)).toBe(2);
  });
});

describe('a reused key', () => {
  it('answers 422 when the same key comes with another body', async () => {
    const tenant = aTenant();
    await apiJson(`/~${tenant}/contacts`, { method: 'POST', body: aContact(), headers: KEY });
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: aContact(), headers: KEY },
      422,
    );
    expect(body.type).toMatch(/idempotency_mismatch$/);
  });

  it('answers 422 when the same key comes on another route', async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    await apiJson(`/~${tenant}/contacts/${contact['$id']}`, { method: 'PATCH', body: { title: 'CTO' }, headers: KEY });
    await expectProblem(
      tenant,
      `/~${tenant}/organizations`,
      { method: 'POST', body: anOrganization(), headers: KEY },
      422,
    );
    await expectProblem(tenant, `/~${tenant}/contacts/${contact['$id']}`, { method: 'DELETE', headers: KEY }, 422);
  });

  it('is the caller’s own: two principals with one key make two contacts', async () => {
    const tenant = aTenant();
    const { key } = await aKey(tenant, ['write']);
    const body = aContact({ email: null });
    const byAdmin = await apiJson(`/~${tenant}/contacts`, { method: 'POST', body, headers: KEY });
    const byKey = await apiJson(`/~${tenant}/contacts`, { method: 'POST', body, headers: KEY, token: key });
    expect([byAdmin.status, byKey.status]).toEqual([201, 201]);
    expect(byKey.body['$id']).not.toBe(byAdmin.body['$id']);
    expect(await eventCount(tenant)).toBe(2);
  });
});

describe('a retried batch or settings change', () => {
  it('replays a batch answer and appends nothing', async () => {
    const tenant = aTenant();
    const body = {
      atomic: true,
      operations: [
        { type: 'Contact', verb: 'create', data: aContact() },
        { type: 'Contact', verb: 'create', data: aContact() },
      ],
    };
    const first = await apiJson(`/~${tenant}/batch`, {
      method: 'POST',
      body,
      headers: { 'idempotency-key': 'batch-1' },
    });
    const events = await eventCount(tenant);
    const retry = await apiJson(`/~${tenant}/batch`, {
      method: 'POST',
      body,
      headers: { 'idempotency-key': 'batch-1' },
    });
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(await eventCount(tenant)).toBe(events);
  });

  it('replays a settings change and refuses the key for another one', async () => {
    const tenant = aTenant();
    const headers = { 'idempotency-key': 'settings-1' };
    const first = await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { qualifyThreshold: 55 }, headers });
    const events = await eventCount(tenant);
    const retry = await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { qualifyThreshold: 55 }, headers });
    expect(retry.body).toEqual(first.body);
    expect(await eventCount(tenant)).toBe(events);
    const other = await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { qualifyThreshold: 60 }, headers });
    expect(other.status).toBe(422);
    expect((await apiJson(`/~${tenant}/settings`)).body['qualifyThreshold']).toBe(55);
  });
});
