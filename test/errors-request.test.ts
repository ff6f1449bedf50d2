// The error table, part 1: problems about the request itself (400, 401, 403, 404, 405, 413, 415, 429).
// Every case answers problem+json and leaves the tenant's log as it was.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { aContact, aKey, created } from './builders';
import { ADMIN, api, aTenant, eventCount } from './http';
import { expectProblem, messageAt } from './problem';

async function aTenantWithAContact(): Promise<{ tenant: string; id: string }> {
  const tenant = aTenant();
  const contact = await created(tenant, 'contacts', aContact());
  return { tenant, id: contact['$id'] };
}

describe('a malformed request', () => {
  it('answers 400 to malformed JSON', async () => {
    const { tenant } = await aTenantWithAContact();
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: '{"name": "Alice",' },
      400,
    );
    expect(body.detail).toMatch(/malformed JSON/);
  });

  it('answers 400 naming an unknown field by its path', async () => {
    const { tenant, id } = await aTenantWithAContact();
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: aContact({ nickname: 'Al' }) },
      400,
    );
    expect(messageAt(body, '/nickname')).toMatch(/not a field of Contact/);
    const patched = await expectProblem(
      tenant,
      `/~${tenant}/contacts/${id}`,
      { method: 'PATCH', body: { nickname: 'Al' } },
      400,
    );
    expect(messageAt(patched.body, '/nickname')).toMatch(/not a field/);
  });

  it('lists the first 100 errors of a body with 50,000 unknown fields and counts them all', async () => {
    const { tenant, id } = await aTenantWithAContact();
    const body = JSON.stringify(Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`f${i}`, 1])));
    for (const call of [
      { method: 'POST', path: `/~${tenant}/contacts` },
      { method: 'PATCH', path: `/~${tenant}/contacts/${id}` },
    ]) {
      const answer = await expectProblem(tenant, call.path, { method: call.method, body }, 400);
      expect(answer.body.errors).toHaveLength(100);
      expect(answer.body.errors?.[0]).toEqual({ path: '/f0', message: 'is not a field of Contact' });
      expect(answer.body['errorCount']).toBe(call.method === 'POST' ? 50_001 : 50_000);
    }
    const few = await expectProblem(
      tenant,
      `/~${tenant}/contacts/${id}`,
      { method: 'PATCH', body: { a: 1, b: 2 } },
      400,
    );
    expect(few.body.errors).toHaveLength(2);
    expect(few.body['errorCount']).toBeUndefined();
  });

  it('answers 400 to names Object.prototype carries (constructor, __proto__, toString)', async () => {
    const { tenant, id } = await aTenantWithAContact();
    for (const body of [
      '{"constructor": null}',
      '{"hasOwnProperty": null}',
      '{"toString": "x"}',
      '{"__proto__": {"name": "x"}}',
    ]) {
      const answer = await expectProblem(tenant, `/~${tenant}/contacts/${id}`, { method: 'PATCH', body }, 400);
      expect(answer.body.errors?.[0]?.message).toMatch(/not a field of Contact/);
    }
    await expectProblem(tenant, `/~${tenant}/contacts?constructor=x`, {}, 400);
  });

  it('answers 400 to a body that is not a JSON object', async () => {
    const { tenant } = await aTenantWithAContact();
    for (const body of ['[]', 'null', '"Alice"', '42'])
      await expectProblem(tenant, `/~${tenant}/contacts`, { method: 'POST', body }, 400);
  });

  it('answers 400 to an If-Match that is not an ETag, an unknown include and an unreadable asOf', async () => {
    const { tenant, id } = await aTenantWithAContact();
    await expectProblem(
      tenant,
      `/~${tenant}/contacts/${id}`,
      { method: 'PATCH', body: { title: 'CTO' }, headers: { 'if-match': 'yesterday' } },
      400,
    );
    const include = await expectProblem(tenant, `/~${tenant}/contacts/${id}?include=friends`, {}, 400);
    expect(messageAt(include.body, '?include=friends')).toMatch(/cannot be included/);
    await expectProblem(tenant, `/~${tenant}/contacts/${id}?asOf=last-tuesday`, {}, 400);
  });

  it('answers 415 to a body that is not JSON, and to one without a content type', async () => {
    const { tenant } = await aTenantWithAContact();
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: 'name=Alice', headers: { 'content-type': 'text/plain' } },
      415,
    );
    expect(body.detail).toMatch(/application\/json/);
    await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: 'name=Alice', headers: { 'content-type': '' } },
      415,
    );
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const { tenant } = await aTenantWithAContact();
    const big = JSON.stringify(aContact({ title: 'x'.repeat(1024 * 1024) }));
    const { body } = await expectProblem(tenant, `/~${tenant}/contacts`, { method: 'POST', body: big }, 413);
    expect(body.detail).toMatch(/1048576 bytes/);
  });

  it('answers 413 to a streamed body without Content-Length, reading little past 1 MiB of it', async () => {
    const { tenant } = await aTenantWithAContact();
    let pulled = 0;
    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    const sixteenMiB = new ReadableStream<Uint8Array>({
      pull: (controller) =>
        pulled < 16 * 1024 * 1024 ? void ((pulled += chunk.byteLength), controller.enqueue(chunk)) : controller.close(),
    });
    const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const init = { method: 'POST', body: sixteenMiB, headers, duplex: 'half' } as RequestInit;
    const answer = await exports.default.fetch(new Request(`http://crm.test/~${tenant}/contacts`, init));
    expect(answer.status).toBe(413);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(pulled).toBeLessThan(2 * 1024 * 1024);
    expect(await eventCount(tenant)).toBe(1);
  });
});

describe('a caller without the right credential', () => {
  it('answers 401 with WWW-Authenticate when no key is sent', async () => {
    const { tenant, id } = await aTenantWithAContact();
    const { headers } = await expectProblem(tenant, `/~${tenant}/contacts/${id}`, { token: null }, 401);
    expect(headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectProblem(tenant, `/~${tenant}/contacts`, { method: 'POST', body: aContact(), token: null }, 401);
  });

  it('answers 401 to a wrong admin token and to a well-formed key nobody issued', async () => {
    const { tenant } = await aTenantWithAContact();
    await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: aContact(), token: 'not-the-admin-token' },
      401,
    );
    const forged = `crm_${tenant}_${'ab'.repeat(32)}`;
    await expectProblem(tenant, `/~${tenant}/contacts`, { method: 'POST', body: aContact(), token: forged }, 401);
  });

  it('answers 403 when a read-only key writes', async () => {
    const { tenant } = await aTenantWithAContact();
    const { key } = await aKey(tenant, ['read']);
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: aContact(), token: key },
      403,
    );
    expect(body.detail).toMatch(/write scope/);
  });

  it('answers 429 with Retry-After once a key spends its rate limit', async () => {
    const { tenant } = await aTenantWithAContact();
    const { key } = await aKey(tenant, ['write'], 2);
    await created(tenant, 'contacts', aContact(), key);
    await created(tenant, 'contacts', aContact(), key);
    const { headers, body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: aContact(), token: key },
      429,
    );
    expect(Number(headers.get('retry-after'))).toBeGreaterThan(0);
    expect(body.detail).toMatch(/2 requests a minute/);
  });
});

describe('a request for nothing', () => {
  it('answers 404 to an unknown id, and to the id of another noun', async () => {
    const { tenant, id } = await aTenantWithAContact();
    await expectProblem(tenant, `/~${tenant}/contacts/contact_01ARZ3NDEKTSV4RRFFQ69G5FAV`, {}, 404);
    await expectProblem(tenant, `/~${tenant}/organizations/${id}`, {}, 404);
    await expectProblem(
      tenant,
      `/~${tenant}/contacts/contact_01ARZ3NDEKTSV4RRFFQ69G5FAV`,
      { method: 'PATCH', body: { title: 'CTO' } },
      404,
    );
    await expectProblem(tenant, `/~${tenant}/contacts/nonsense`, { method: 'DELETE' }, 404);
  });

  it('answers 404 to an unknown route or collection', async () => {
    const { tenant, id } = await aTenantWithAContact();
    await expectProblem(tenant, '/contacts', {}, 404);
    await expectProblem(tenant, `/~${tenant}/people`, {}, 404);
    await expectProblem(tenant, `/~${tenant}/people`, { method: 'POST', body: aContact() }, 404);
    await expectProblem(tenant, `/~${tenant}/contacts/${id}/friends/x`, {}, 404);
  });

  it('answers 404 to a tenant name outside ^[a-z0-9][a-z0-9-]{0,62}$', async () => {
    const { tenant } = await aTenantWithAContact();
    for (const name of ['Acme', '-acme', 'ac_me', 'a'.repeat(64)])
      await expectProblem(tenant, `/~${name}/contacts`, { method: 'POST', body: aContact() }, 404);
  });

  it('answers HEAD like GET (status and headers) without a body', async () => {
    const { tenant, id } = await aTenantWithAContact();
    for (const path of [
      `/~${tenant}/contacts/${id}`,
      `/~${tenant}/contacts`,
      `/~${tenant}/events?after=0`,
      `/~${tenant}/contacts/contact_01KZZZZZZZZZZZZZZZZZZZZZZZ`,
    ]) {
      const get = await api(path);
      const head = await api(path, { method: 'HEAD' });
      expect(head.status, path).toBe(get.status);
      expect(head.headers.get('content-type'), path).toBe(get.headers.get('content-type'));
      expect(head.headers.get('etag'), path).toBe(get.headers.get('etag'));
      expect(await head.text(), path).toBe('');
    }
    expect((await api(`/~${tenant}/contacts/${id}`, { method: 'HEAD' })).status).toBe(200);
  });

  it('answers 405 with Allow to a method the route lacks', async () => {
    const { tenant, id } = await aTenantWithAContact();
    const collection = await expectProblem(tenant, `/~${tenant}/contacts`, { method: 'PUT', body: aContact() }, 405);
    expect(collection.headers.get('allow')).toBe('GET, HEAD, POST');
    const entity = await expectProblem(tenant, `/~${tenant}/contacts/${id}`, { method: 'POST', body: aContact() }, 405);
    expect(entity.headers.get('allow')).toBe('GET, HEAD, PATCH, DELETE');
  });
});
