// Auth: the admin token manages every tenant; a tenant key is shown once, stored hashed, valid on its
// own tenant only, limited to its scopes; every event says who acted.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aContact, aKey, created } from './builders';
import { aTenant, api, apiJson } from './http';
import { expectProblem } from './problem';

describe('creating and listing keys', () => {
  it('returns the secret once, at creation, shaped crm_{tenant}_{random}_{mac}', async () => {
    const tenant = aTenant();
    const answer = await apiJson(`/~${tenant}/keys`, {
      method: 'POST',
      body: { name: 'CI', scopes: ['read', 'write'] },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ name: 'CI', scopes: ['read', 'write'], id: expect.stringMatching(/^key_/) });
    expect(answer.body['key']).toMatch(new RegExp(`^crm_${tenant}_[0-9a-f]{32}_[0-9a-f]{32}$`));
    expect(answer.headers.get('location')).toBe(`/~${tenant}/keys/${answer.body['id']}`);
  });

  it('lists keys without their secrets or hashes', async () => {
    const tenant = aTenant();
    const { id, key } = await aKey(tenant, ['read']);
    const listed = await api(`/~${tenant}/keys`);
    const text = await listed.text();
    expect(listed.status).toBe(200);
    const data = JSON.parse(text)['data'] as Record<string, unknown>[];
    expect(data.map((k) => k['id'])).toEqual([id]);
    expect(Object.keys(data[0]!).sort()).toEqual(['createdAt', 'id', 'name', 'rateLimit', 'scopes']);
    expect(text).not.toContain(key.slice(-65));
  });

  it('stores only the SHA-256 of the secret', async () => {
    const tenant = aTenant();
    const { key } = await aKey(tenant, ['read']);
    const stub = env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant));
    const rows = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec('SELECT * FROM api_keys').toArray(),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!['hash']).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(key.slice(-65));
  });

  it('refuses a key request with unknown scopes (422) or unknown fields (400)', async () => {
    const tenant = aTenant();
    await created(tenant, 'contacts', aContact());
    await expectProblem(tenant, `/~${tenant}/keys`, { method: 'POST', body: { name: 'x', scopes: ['root'] } }, 422);
    await expectProblem(
      tenant,
      `/~${tenant}/keys`,
      { method: 'POST', body: { name: 'x', scopes: ['read'], owner: 'me' } },
      400,
    );
  });
});

describe('a tenant key', () => {
  it('reads and writes its own tenant within its scopes', async () => {
    const tenant = aTenant();
    const { key } = await aKey(tenant, ['write']);
    const contact = await created(tenant, 'contacts', aContact(), key);
    expect((await api(`/~${tenant}/contacts/${contact['$id']}`, { token: key })).status).toBe(200);
  });

  it('is 401 on another tenant: a key of acme on globex', async () => {
    const acme = aTenant('acme');
    const globex = aTenant('globex');
    await created(globex, 'contacts', aContact());
    const { key } = await aKey(acme, ['admin']);
    const { body } = await expectProblem(
      globex,
      `/~${globex}/contacts`,
      { method: 'POST', body: aContact(), token: key },
      401,
    );
    expect(body.detail).toMatch(/another tenant/);
    await expectProblem(globex, `/~${globex}/events`, { token: key }, 401);
  });

  it('is 401 once revoked', async () => {
    const tenant = aTenant();
    const { id, key } = await aKey(tenant, ['write']);
    await created(tenant, 'contacts', aContact(), key);
    expect((await api(`/~${tenant}/keys/${id}`, { method: 'DELETE' })).status).toBe(204);
    await expectProblem(tenant, `/~${tenant}/contacts`, { method: 'POST', body: aContact(), token: key }, 401);
    await expectProblem(tenant, `/~${tenant}/keys/${id}`, { method: 'DELETE' }, 404);
  });

  it('is 403 beyond its scopes: read cannot write, write cannot manage keys', async () => {
    const tenant = aTenant();
    const reader = await aKey(tenant, ['read']);
    const writer = await aKey(tenant, ['write']);
    const contact = await created(tenant, 'contacts', aContact(), writer.key);
    expect((await api(`/~${tenant}/contacts/${contact['$id']}`, { token: reader.key })).status).toBe(200);
    await expectProblem(
      tenant,
      `/~${tenant}/contacts/${contact['$id']}`,
      { method: 'PATCH', body: { title: 'CTO' }, token: reader.key },
      403,
    );
    await expectProblem(tenant, `/~${tenant}/contacts/${contact['$id']}`, { method: 'DELETE', token: reader.key }, 403);
    await expectProblem(
      tenant,
      `/~${tenant}/keys`,
      { method: 'POST', body: { name: 'x', scopes: ['admin'] }, token: writer.key },
      403,
    );
    await expectProblem(tenant, `/~${tenant}/keys`, { token: writer.key }, 403);
  });

  it('with the admin scope manages its tenant’s keys', async () => {
    const tenant = aTenant();
    const admin = await aKey(tenant, ['admin']);
    const answer = await apiJson(`/~${tenant}/keys`, {
      method: 'POST',
      body: { name: 'sub', scopes: ['read'] },
      token: admin.key,
    });
    expect(answer.status).toBe(201);
  });
});

describe('the actor of an event', () => {
  it('is admin for the admin token and key:<id> for a tenant key', async () => {
    const tenant = aTenant();
    const { id, key } = await aKey(tenant, ['write']);
    const byAdmin = await created(tenant, 'contacts', aContact());
    const byKey = await created(tenant, 'contacts', aContact(), key);
    expect(
      (await api(`/~${tenant}/contacts/${byAdmin['$id']}`, { method: 'PATCH', body: { title: 'CTO' }, token: key }))
        .status,
    ).toBe(200);
    expect((await api(`/~${tenant}/contacts/${byKey['$id']}`, { method: 'DELETE' })).status).toBe(204);
    const events = (await apiJson(`/~${tenant}/events`)).body['data'] as { type: string; actor: string }[];
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ['Contact.Created', 'admin'],
      ['Contact.Created', `key:${id}`],
      ['Contact.Updated', `key:${id}`],
      // A title is a lead-score input: the rescore is the same write, by the same actor.
      ['Contact.Scored', `key:${id}`],
      ['Contact.Deleted', 'admin'],
    ]);
  });
});
