// Auth before anything (issue 7): a caller without a valid credential reaches no Durable Object, has no
// body or query read and waits on nothing; keys carry a MAC the edge checks; rate-limit buckets survive
// a restart of the tenant's object, and answers to a key carry RateLimit headers.
import { evictDurableObject, listDurableObjectIds, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { aContact, aKey, created } from './builders';
import { aTenant, api, apiJson } from './http';
import { expectProblem } from './problem';

const logOf = (tenant: string) => env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant));

/** Whether a tenant's log or read model object was ever created (it has storage). */
async function objectsOf(tenant: string): Promise<{ log: boolean; readModel: boolean }> {
  const has = async (ns: DurableObjectNamespace, id: DurableObjectId) =>
    (await listDurableObjectIds(ns)).some((i) => i.equals(id));
  return {
    log: await has(env.TENANT_LOG, env.TENANT_LOG.idFromName(tenant)),
    readModel: await has(env.READ_MODEL, env.READ_MODEL.idFromName(tenant)),
  };
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
const randomHex = (n: number) => hex(crypto.getRandomValues(new Uint8Array(n)));

/** A key with a correct MAC under the test KEY_SECRET that the tenant never issued. */
async function signedButNeverIssued(tenant: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode('test-key-secret'),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const random = randomHex(16);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${tenant}_${random}`)));
  return `crm_${tenant}_${random}_${hex(mac.slice(0, 16))}`;
}

describe('a key-shaped string that was never issued', () => {
  it('is 401 at the edge: the tenant has no log and no read model object afterwards', async () => {
    const tenant = aTenant('fresh');
    const forged = [`crm_${tenant}_${randomHex(16)}_${randomHex(16)}`, `crm_${tenant}_${randomHex(32)}`];
    for (const token of forged) {
      expect((await api(`/~${tenant}/contacts`, { method: 'POST', body: aContact(), token })).status).toBe(401);
      expect((await api(`/~${tenant}/contacts`, { token })).status).toBe(401);
      expect((await api(`/~${tenant}/events`, { token })).status).toBe(401);
      expect((await api(`/~${tenant}/query`, { body: { type: 'Contact' }, token })).status).toBe(401);
    }
    expect(await objectsOf(tenant)).toEqual({ log: false, readModel: false });
  });

  it('is 401 when a real key is moved to another tenant or has its MAC altered', async () => {
    const tenant = aTenant();
    const other = aTenant('fresh');
    const { key } = await aKey(tenant, ['admin']);
    const moved = key.replace(`crm_${tenant}_`, `crm_${other}_`);
    expect((await api(`/~${other}/contacts`, { token: moved })).status).toBe(401);
    const flipped = key.slice(0, -1) + (key.endsWith('0') ? '1' : '0');
    const { body } = await expectProblem(tenant, `/~${tenant}/events`, { token: flipped }, 401);
    expect(body.detail).toBe('unknown token');
    expect(await objectsOf(other)).toEqual({ log: false, readModel: false });
  });

  it('with a valid MAC but no record in the tenant is still 401 (the log holds the keys)', async () => {
    const tenant = aTenant();
    await created(tenant, 'contacts', aContact());
    await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: aContact(), token: await signedButNeverIssued(tenant) },
      401,
    );
  });
});

describe('a request without a valid credential', () => {
  it.each([
    ['a malformed query body', '/query', { method: 'POST', body: '{"type": ' }],
    ['a bad list parameter', '/contacts?limit=abc', {}],
    ['a bad include', '/contacts/contact_01ARZ3NDEKTSV4RRFFQ69G5FAV?include=nothing', {}],
    ['a bad events parameter', '/events?after=-1', {}],
    ['a bad reports depth', '/contacts/contact_01ARZ3NDEKTSV4RRFFQ69G5FAV/reports?depth=zero', {}],
    ['a bad verify range', '/audit/verify?from=0', {}],
    [
      'a body that is not JSON',
      '/contacts',
      { method: 'POST', body: 'name=x', headers: { 'content-type': 'text/plain' } },
    ],
    ['a body over 1 MiB', '/contacts', { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(1_100_000) }) }],
    [
      'an Idempotency-Key over 255 characters',
      '/contacts',
      { method: 'POST', body: aContact(), headers: { 'idempotency-key': 'k'.repeat(300) } },
    ],
  ])('answers 401 before reading %s', async (_, path, call) => {
    const tenant = aTenant('fresh');
    const answer = await api(`/~${tenant}${path}`, { ...call, token: null });
    expect(answer.status).toBe(401);
    expect(await objectsOf(tenant)).toEqual({ log: false, readModel: false });
  });

  it('does not wait on X-Min-Seq, nor touch the read model, for a revoked key', async () => {
    const tenant = aTenant();
    const { id, key } = await aKey(tenant, ['read']);
    expect((await api(`/~${tenant}/keys/${id}`, { method: 'DELETE' })).status).toBe(204);
    const started = Date.now();
    const answer = await api(`/~${tenant}/contacts`, { token: key, headers: { 'x-min-seq': '1000000' } });
    expect(answer.status).toBe(401);
    expect(Date.now() - started).toBeLessThan(5_000); // the read model would hold it 10 s
    expect((await objectsOf(tenant)).readModel).toBe(false);
  });
});

describe('a rate-limit bucket', () => {
  it('is not written while more than half of it is left, and is once it runs low', async () => {
    const tenant = aTenant();
    const { id, key } = await aKey(tenant, ['read'], 10);
    const stored = () =>
      runInDurableObject(logOf(tenant), (_, state) =>
        state.storage.sql.exec('SELECT key_id FROM rate_buckets').toArray(),
      );
    for (let i = 0; i < 5; i++) expect((await api(`/~${tenant}/events`, { token: key })).status).toBe(200);
    expect(await stored()).toEqual([]);
    expect((await api(`/~${tenant}/events`, { token: key })).status).toBe(200);
    expect(await stored()).toEqual([{ key_id: id }]);
  });

  it('survives a restart of the tenant object', async () => {
    const tenant = aTenant();
    const { key } = await aKey(tenant, ['read'], 4);
    for (let i = 0; i < 3; i++) expect((await api(`/~${tenant}/events`, { token: key })).status).toBe(200);
    const stub = logOf(tenant);
    await runInDurableObject(stub, (instance: object) => void Reflect.set(instance, 'testMark', true));
    await evictDurableObject(stub);
    expect(await runInDurableObject(stub, (instance: object) => Reflect.get(instance, 'testMark'))).toBeUndefined();
    expect((await api(`/~${tenant}/events`, { token: key })).status).toBe(200);
    const limited = await api(`/~${tenant}/events`, { token: key });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('answers to a tenant key', () => {
  it('carry RateLimit-Policy and RateLimit (IETF draft), on log and read-model routes', async () => {
    const tenant = aTenant();
    const { key } = await aKey(tenant, ['write'], 60);
    const write = await api(`/~${tenant}/contacts`, { method: 'POST', body: aContact(), token: key });
    expect(write.status).toBe(201);
    expect(write.headers.get('ratelimit-policy')).toBe('"key";q=60;w=60');
    expect(write.headers.get('ratelimit')).toBe('"key";r=59;t=1');
    const list = await api(`/~${tenant}/contacts`, { token: key });
    expect(list.status).toBe(200);
    // One more request taken; the bucket refills a request a second meanwhile.
    expect(list.headers.get('ratelimit')).toMatch(/^"key";r=5[89];t=[12]$/);
  });

  it('carry them beside Retry-After on 429, with nothing remaining', async () => {
    const tenant = aTenant();
    const { key } = await aKey(tenant, ['read'], 2);
    for (let i = 0; i < 2; i++) expect((await api(`/~${tenant}/events`, { token: key })).status).toBe(200);
    const { headers } = await expectProblem(tenant, `/~${tenant}/events`, { token: key }, 429);
    expect(headers.get('ratelimit-policy')).toBe('"key";q=2;w=60');
    const [, reset] = /^"key";r=0;t=(\d+)$/.exec(headers.get('ratelimit') ?? '') ?? [];
    expect(Number(reset)).toBeGreaterThan(30);
    expect(Number(reset)).toBeLessThanOrEqual(60);
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
  });

  it('are absent for the admin token, which has no rate limit', async () => {
    const tenant = aTenant();
    const answer = await api(`/~${tenant}/contacts`, { method: 'POST', body: aContact() });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('ratelimit')).toBeNull();
  });
});

describe('the admin token', () => {
  it('is refused when only a prefix or an extension of it is sent', async () => {
    const tenant = aTenant();
    expect((await api(`/~${tenant}/events`, { token: 'test-admin-toke' })).status).toBe(401);
    expect((await api(`/~${tenant}/events`, { token: 'test-admin-token2' })).status).toBe(401);
    expect((await apiJson(`/~${tenant}/events`)).status).toBe(200);
  });
});
