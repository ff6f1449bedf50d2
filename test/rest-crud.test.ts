// REST create / get / patch / delete for every noun, with the representation, ETag, If-Match and
// X-Event-Seq a client relies on.
import { describe, expect, it } from 'vitest';
import { aCampaign, aContact, aDeal, aLead, anActivity, anOrganization, created } from './builders';
import { aTenant, api, apiJson } from './http';
import { expectProblem } from './problem';

const NOUNS = [
  {
    type: 'Contact',
    collection: 'contacts',
    prefix: 'contact',
    build: aContact,
    patch: { department: 'Platform', preferredChannel: 'Email' },
  },
  {
    type: 'Organization',
    collection: 'organizations',
    prefix: 'org',
    build: anOrganization,
    patch: { industry: 'Software' },
  },
  { type: 'Lead', collection: 'leads', prefix: 'lead', build: aLead, patch: { status: 'Working' } },
  {
    type: 'Activity',
    collection: 'activities',
    prefix: 'activity',
    build: anActivity,
    patch: { status: 'Completed', dueAt: '2026-12-01T09:00:00Z' },
  },
  { type: 'Deal', collection: 'deals', prefix: 'deal', build: aDeal, patch: { value: 15_000, stage: 'Proposal' } },
  { type: 'Campaign', collection: 'campaigns', prefix: 'campaign', build: aCampaign, patch: { status: 'Active' } },
] as const;

describe.each(NOUNS)('a $type', ({ type, collection, prefix, build, patch }) => {
  it('is created with 201, Location, ETag "1", X-Event-Seq and the $ representation', async () => {
    const tenant = aTenant();
    const body = build();
    const answer = await apiJson(`/~${tenant}/${collection}`, { method: 'POST', body });
    expect(answer.status).toBe(201);
    expect(answer.body['$id']).toMatch(new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`));
    expect(answer.body).toEqual({
      $id: answer.body['$id'],
      $type: type,
      $version: 1,
      $createdAt: expect.any(String),
      $updatedAt: answer.body['$createdAt'],
      ...body,
      ...(type === 'Contact' ? { leadScore: expect.any(Number), stage: 'Lead' } : {}),
    });
    expect(answer.headers.get('location')).toBe(`/~${tenant}/${collection}/${answer.body['$id']}`);
    expect(answer.headers.get('etag')).toBe('"1"');
    expect(answer.headers.get('x-event-seq')).toBe('1');
  });

  it('is read back as created, with its ETag', async () => {
    const tenant = aTenant();
    const made = await apiJson(`/~${tenant}/${collection}`, { method: 'POST', body: build() });
    const got = await apiJson(`/~${tenant}/${collection}/${made.body['$id']}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(made.body);
    expect(got.headers.get('etag')).toBe('"1"');
  });

  it('is patched partially: the version moves, untouched fields stay', async () => {
    const tenant = aTenant();
    const made = await apiJson(`/~${tenant}/${collection}`, { method: 'POST', body: build() });
    const patched = await apiJson(`/~${tenant}/${collection}/${made.body['$id']}`, {
      method: 'PATCH',
      body: patch,
      headers: { 'if-match': '"1"' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...made.body, ...patch, $version: 2, $updatedAt: expect.any(String) });
    expect(patched.headers.get('etag')).toBe('"2"');
    expect(patched.headers.get('x-event-seq')).toBe('2');
    expect((await apiJson(`/~${tenant}/${collection}/${made.body['$id']}`)).body).toEqual(patched.body);
  });

  it('is deleted with 204 and X-Event-Seq, then reads as 410', async () => {
    const tenant = aTenant();
    const made = await apiJson(`/~${tenant}/${collection}`, { method: 'POST', body: build() });
    const deleted = await api(`/~${tenant}/${collection}/${made.body['$id']}`, {
      method: 'DELETE',
      headers: { 'if-match': '"1"' },
    });
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get('x-event-seq')).toBe('2');
    expect((await api(`/~${tenant}/${collection}/${made.body['$id']}`)).status).toBe(410);
  });
});

describe('a patch', () => {
  it('clears a field with null', async () => {
    const tenant = aTenant();
    const made = await apiJson(`/~${tenant}/contacts`, { method: 'POST', body: aContact({ title: 'CTO' }) });
    const patched = await apiJson(`/~${tenant}/contacts/${made.body['$id']}`, {
      method: 'PATCH',
      body: { title: null },
    });
    expect(patched.body).not.toHaveProperty('title');
  });

  it('that changes nothing appends nothing and keeps the version', async () => {
    const tenant = aTenant();
    const made = await apiJson(`/~${tenant}/contacts`, { method: 'POST', body: aContact({ title: 'CTO' }) });
    const patched = await apiJson(`/~${tenant}/contacts/${made.body['$id']}`, {
      method: 'PATCH',
      body: { title: 'CTO' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body['$version']).toBe(1);
    expect(patched.headers.get('x-event-seq')).toBe('1');
  });

  it('accepts If-Match as "n", W/"n" or *', async () => {
    const tenant = aTenant();
    const made = await apiJson(`/~${tenant}/contacts`, { method: 'POST', body: aContact() });
    const path = `/~${tenant}/contacts/${made.body['$id']}`;
    expect(
      (await api(path, { method: 'PATCH', body: { department: 'A' }, headers: { 'if-match': '"1"' } })).status,
    ).toBe(200);
    expect(
      (await api(path, { method: 'PATCH', body: { department: 'B' }, headers: { 'if-match': 'W/"2"' } })).status,
    ).toBe(200);
    expect((await api(path, { method: 'PATCH', body: { department: 'C' }, headers: { 'if-match': '*' } })).status).toBe(
      200,
    );
    expect((await apiJson(path)).headers.get('etag')).toBe('"4"');
  });
});

describe('X-Event-Seq', () => {
  it('counts the tenant’s log across nouns, one per write', async () => {
    const tenant = aTenant();
    const org = await apiJson(`/~${tenant}/organizations`, { method: 'POST', body: anOrganization() });
    const contact = await apiJson(`/~${tenant}/contacts`, {
      method: 'POST',
      body: aContact({ organization: org.body['$id'] }),
    });
    const patched = await api(`/~${tenant}/contacts/${contact.body['$id']}`, {
      method: 'PATCH',
      body: { department: 'Platform' },
    });
    const deleted = await api(`/~${tenant}/contacts/${contact.body['$id']}`, { method: 'DELETE' });
    expect([org, contact, patched, deleted].map((a) => a.headers.get('x-event-seq'))).toEqual(['1', '2', '3', '4']);
  });
});

describe('a patch re-sending a reference', () => {
  it('accepts the unchanged reference of a deleted target, and checks the ones it changes', async () => {
    const tenant = aTenant();
    const org = await created(tenant, 'organizations', anOrganization());
    const other = await created(tenant, 'organizations', anOrganization());
    const contact = await created(tenant, 'contacts', aContact({ organization: org['$id'] }));
    const path = `/~${tenant}/contacts/${contact['$id']}`;
    for (const target of [org, other])
      expect((await api(`/~${tenant}/organizations/${target['$id']}`, { method: 'DELETE' })).status).toBe(204);
    const patched = await apiJson(path, { method: 'PATCH', body: { organization: org['$id'], title: 'CTO' } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ organization: org['$id'], title: 'CTO' });
    expect((await api(path, { method: 'PATCH', body: { organization: other['$id'] } })).status).toBe(422);
    expect(
      (await api(`/~${tenant}/contacts`, { method: 'POST', body: aContact({ organization: org['$id'] }) })).status,
    ).toBe(422);
  });

  it('follows a merge for a reference it changes', async () => {
    const tenant = aTenant();
    const kept = await created(tenant, 'contacts', aContact());
    const source = await created(tenant, 'contacts', aContact());
    const report = await created(tenant, 'contacts', aContact());
    expect(
      (await api(`/~${tenant}/contacts/${kept['$id']}/merge`, { method: 'POST', body: { sources: [source['$id']] } }))
        .status,
    ).toBe(200);
    const patched = await apiJson(`/~${tenant}/contacts/${report['$id']}`, {
      method: 'PATCH',
      body: { manager: source['$id'] },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body['manager']).toBe(kept['$id']);
  });
});

describe('a patch of the whole representation (GET → edit → PATCH)', () => {
  it('accepts $ metadata and leadScore equal to the current values, and writes the edit', async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    const path = `/~${tenant}/contacts/${contact['$id']}`;
    const read = await apiJson(path);
    const patched = await apiJson(path, { method: 'PATCH', body: { ...read.body, department: 'Platform' } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({
      department: 'Platform',
      $id: contact['$id'],
      $createdAt: contact['$createdAt'],
    });
    expect(patched.body['$version']).toBeGreaterThan(read.body['$version']);
  });

  const title = 'answers 412 to a stale $version and 422 to other metadata or leadScore that differ, writing nothing';
  it(title, async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    const path = `/~${tenant}/contacts/${contact['$id']}`;
    const read = (await apiJson(path)).body;
    const stale = await expectProblem(
      tenant,
      path,
      { method: 'PATCH', body: { ...read, $version: read['$version'] + 1, title: 'CTO' } },
      412,
    );
    expect(stale.body['version']).toBe(read['$version']);
    const changes = [
      { $id: 'contact_01KZZZZZZZZZZZZZZZZZZZZZZZ' },
      { $type: 'Organization' },
      { $createdAt: '2020-01-01T00:00:00.000Z' },
      { $updatedAt: '2020-01-01T00:00:00.000Z' },
      { leadScore: read['leadScore'] + 1 },
    ];
    for (const change of changes) {
      const refused = await expectProblem(
        tenant,
        path,
        { method: 'PATCH', body: { ...read, ...change, title: 'CTO' } },
        422,
      );
      expect(refused.body.errors?.map((e) => e.path)).toEqual([`/${Object.keys(change)[0]}`]);
    }
    await expectProblem(tenant, path, { method: 'PATCH', body: { ...read, reports: [] } }, 422);
    await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: { ...aContact(), $type: 'Contact' } },
      422,
    );
    expect((await apiJson(path)).body).toEqual(read);
  });
});
