// Bad input never reaches a 500 (issue 7): JSON nested past the limit, bytes that are not UTF-8, lone
// surrogates, weight names Object.prototype carries, over-long Idempotency-Keys, odd numbers, cursors
// and strings in query parameters, each a clear 4xx that changes nothing.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MAX_CONDITIONS } from '../workers/query-forms';
import { MAX_JSON_DEPTH } from '../workers/request-body';
import { aContact, created } from './builders';
import { ADMIN, aTenant, api, apiJson, eventCount } from './http';
import { expectProblem } from './problem';

/** A JSON value `depth` levels deep: [[[…]]] with `leaf` inside. */
function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

async function aTenantWithAContact(): Promise<{ tenant: string; id: string }> {
  const tenant = aTenant();
  const contact = await created(tenant, 'contacts', aContact());
  return { tenant, id: contact['$id'] };
}

describe(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`, () => {
  it('is 400 on every body: create, update with echoed $ and computed fields, verbs, batch, query', async () => {
    const { tenant, id } = await aTenantWithAContact();
    const deep = nested(MAX_JSON_DEPTH);
    const calls: [string, string, unknown][] = [
      ['POST', '/contacts', { name: 'Deep', title: deep }],
      ['PATCH', `/contacts/${id}`, { $id: deep }],
      ['PATCH', `/contacts/${id}`, { leadScore: deep }],
      ['POST', `/contacts/${id}/enrich`, { source: 'x', data: { title: deep } }],
      ['POST', '/batch', { operations: [{ type: 'Contact', verb: 'create', data: { name: 'x', title: deep } }] }],
      ['POST', '/query', { type: 'Contact', filter: { title: deep } }],
      ['PATCH', '/settings', { weights: { phone: deep } }],
      ['POST', '/keys', { name: 'x', scopes: [deep] }],
    ];
    for (const [method, path, body] of calls) {
      const { body: problem } = await expectProblem(tenant, `/~${tenant}${path}`, { method, body }, 400);
      expect(problem.detail).toMatch(/nests deeper than 32/);
    }
  });

  it('is 400 for a megabyte of brackets, without a stack overflow', async () => {
    const { tenant } = await aTenantWithAContact();
    const text = '['.repeat(500_000) + ']'.repeat(500_000);
    await expectProblem(tenant, `/~${tenant}/contacts`, { method: 'POST', body: text }, 400);
    await expectProblem(
      tenant,
      `/~${tenant}/query`,
      { method: 'POST', body: `{"type":"Contact","filter":${'{"$and":'.repeat(50_000)}1${'}'.repeat(50_001)}` },
      400,
    );
  });

  it('counts brackets inside strings as text, and lets a body at the limit through to validation', async () => {
    const { tenant } = await aTenantWithAContact();
    const answer = await apiJson(`/~${tenant}/contacts`, { body: { name: '[[[[{{{{'.repeat(20), title: 'x' } });
    expect(answer.status).toBe(201);
    // One level under the limit inside a top-level object: refused for its value (422), not its depth.
    await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: { name: 'At limit', title: nested(MAX_JSON_DEPTH - 1) } },
      422,
    );
  });
});

describe('text that is not Unicode', () => {
  it('is 400 for bytes that are not UTF-8, where the old decoder stored U+FFFD', async () => {
    const { tenant } = await aTenantWithAContact();
    const before = await eventCount(tenant);
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"name": "Al'),
      0xff,
      0xfe,
      ...new TextEncoder().encode('ice"}'),
    ]);
    const answer = await exports.default.fetch(
      new Request(`http://crm.test/~${tenant}/contacts`, {
        method: 'POST',
        body: bytes,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      }),
    );
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { detail: string }).detail).toMatch(/UTF-8/);
    expect(await eventCount(tenant)).toBe(before);
  });

  it('is 400 for a lone surrogate escape, in a value or a key', async () => {
    const { tenant, id } = await aTenantWithAContact();
    await expectProblem(tenant, `/~${tenant}/contacts`, { method: 'POST', body: '{"name": "Al\\ud800ice"}' }, 400);
    await expectProblem(tenant, `/~${tenant}/contacts/${id}`, { method: 'PATCH', body: '{"title": "\\udc00"}' }, 400);
    await expectProblem(tenant, `/~${tenant}/contacts/${id}`, { method: 'PATCH', body: '{"\\ud83d": 1}' }, 400);
    // A proper pair is an emoji, and welcome.
    expect(
      (await apiJson(`/~${tenant}/contacts/${id}`, { method: 'PATCH', body: '{"title": "\\ud83d\\ude80 CTO"}' })).body[
        'title'
      ],
    ).toBe('🚀 CTO');
  });
});

describe('settings weight names', () => {
  it('are checked as own names: toString, __proto__, constructor, hasOwnProperty are 400', async () => {
    const tenant = aTenant();
    for (const body of [
      '{"weights": {"toString": 5}}',
      '{"weights": {"__proto__": 5}}',
      '{"weights": {"constructor": 5}}',
      '{"weights": {"hasOwnProperty": 1}}',
    ]) {
      const { body: problem } = await expectProblem(tenant, `/~${tenant}/settings`, { method: 'PATCH', body }, 400);
      expect(problem.errors?.[0]?.message).toMatch(/is not a weight/);
    }
    expect(Object.keys((await apiJson(`/~${tenant}/settings`)).body['weights'])).not.toContain('toString');
  });
});

describe('an Idempotency-Key', () => {
  it('over 255 characters is 400 and never cut to a key another request may share', async () => {
    const { tenant } = await aTenantWithAContact();
    const long = 'k'.repeat(255);
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: aContact(), headers: { 'idempotency-key': `${long}1` } },
      400,
    );
    expect(body.detail).toMatch(/1 to 255 characters/);
    const first = await apiJson(`/~${tenant}/contacts`, { body: aContact(), headers: { 'idempotency-key': long } });
    expect(first.status).toBe(201);
    await expectProblem(
      tenant,
      `/~${tenant}/batch`,
      { method: 'POST', body: { operations: [] }, headers: { 'idempotency-key': `${long}2` } },
      400,
    );
  });
});

describe('odd query parameters, headers and ids', () => {
  it('answer 4xx or 2xx, never 500', async () => {
    const { tenant, id } = await aTenantWithAContact();
    const big = 'x'.repeat(20_000);
    const paths = [
      '/contacts?limit=1e400',
      '/contacts?limit=99999999999999999999',
      '/contacts?limit=-0',
      '/contacts?limit=0x10',
      `/contacts?cursor=${big}`,
      '/contacts?cursor=eyJ2IjpbXX0',
      '/contacts?cursor=%00%ff',
      `/contacts?sort=${big}`,
      '/contacts?sort=-',
      '/contacts?leadScore[gte]=1e999',
      '/contacts?leadScore[gte]=NaN',
      '/contacts?leadScore[in]=1,2,x',
      `/contacts?stage[in]=${'Lead,'.repeat(5_000)}`,
      `/contacts?name=${big}`,
      '/contacts?createdAt[gt]=99999-01-01',
      '/contacts?name[regex]=.*',
      '/contacts?$where=1',
      '/events?after=1e20',
      '/events?after=99999999999999999999999',
      '/events?limit=1e3',
      `/events?type=${big}`,
      `/contacts/${id}?asOf=99999999999999999999`,
      `/contacts/${id}?asOf=9999-12-31T23:59:59Z`,
      `/contacts/${id}?asOf=0000-01-01T00:00:00Z`,
      `/contacts/${id}?asOf=-1`,
      `/contacts/${id}/events?after=1e300`,
      `/contacts/${id}/events?field=${big}`,
      `/contacts/${id}/reports?depth=1e3`,
      `/contacts/${id}/reports?limit=1e10`,
      `/contacts/${id}/reports?cursor=${big}`,
      `/contacts/${big}`,
      `/contacts/${id}/score?x=${big}`,
      '/audit/verify?from=1e300',
      '/audit/verify?limit=1e300',
      `/organizations/org_${'0'.repeat(26)}/contacts?limit=1e9`,
    ];
    for (const path of paths) {
      const answer = await api(`/~${tenant}${path}`);
      expect(answer.status, `${path.slice(0, 80)}: ${(await answer.text()).slice(0, 200)}`).toBeLessThan(500);
    }
    for (const headers of [
      { 'x-min-seq': '99999999999999999999' },
      { 'x-min-seq': '-1' },
      { 'if-match': '"99999999999999999999999"' },
      { 'x-request-id': big },
    ]) {
      const read = await api(`/~${tenant}/contacts`, { headers });
      expect(read.status, JSON.stringify(headers).slice(0, 80)).toBeLessThan(500);
      const write = await api(`/~${tenant}/contacts/${id}`, { method: 'PATCH', body: { title: 'x' }, headers });
      expect(write.status, JSON.stringify(headers).slice(0, 80)).toBeLessThan(500);
    }
    expect((await api(`/~${tenant}/events`, { headers: { authorization: `Bearer ${big}` } })).status).toBe(401);
  });

  it('answer 4xx or 2xx to odd numbers and filters in bodies', async () => {
    const { tenant } = await aTenantWithAContact();
    const bodies: [string, string, unknown][] = [
      ['POST', '/query', { type: 'Contact', filter: { leadScore: { $gt: 1e308 } }, limit: 1e20 }],
      [
        'POST',
        '/query',
        { type: 'Contact', filter: { leadScore: { $in: Array.from({ length: 5_000 }, (_, i) => i) } } },
      ],
      ['POST', '/query', { type: 'Contact', filter: { name: { $eq: { $ne: 1 } } } }],
      ['POST', '/query', { type: 'Contact', filter: { $or: [{ name: 'x' }] } }],
      ['POST', '/query', { type: 'Contact', sort: { name: 'sideways' }, cursor: { a: 1 } }],
      ['POST', '/query', { type: 'Contact', cursor: 'x'.repeat(100_000) }],
      ['POST', '/query', { type: 'Contact', limit: -1e308 }],
      ['POST', '/deals', { name: 'Huge', value: 1e308 }],
      ['POST', '/deals', { name: 'Tiny', value: 5e-324 }],
      ['PATCH', '/settings', { qualifyThreshold: 1e308 }],
      [
        'POST',
        '/batch',
        { operations: Array.from({ length: 1_001 }, () => ({ type: 'Contact', verb: 'create', data: { name: 'x' } })) },
      ],
      ['POST', '/contacts', { name: 'x'.repeat(500_000) }],
    ];
    for (const [method, path, body] of bodies) {
      const answer = await api(`/~${tenant}${path}`, { method, body });
      expect(answer.status, `${method} ${path}: ${(await answer.text()).slice(0, 200)}`).toBeLessThan(500);
    }
  });
});

describe('a list filter', () => {
  const STRINGS = ['name', 'firstName', 'lastName', 'email', 'phone', 'mobile', 'title', 'department'];
  const STRINGS2 = ['source', 'timezone', 'language', 'twitterHandle', 'owner', 'marketingConsent'];

  it(`over ${MAX_CONDITIONS} conditions is 400, where SQLite's expression limit answered 500`, async () => {
    const { tenant } = await aTenantWithAContact();
    const many = Array.from({ length: 300 }, (_, i) => `name=a${i}`).join('&');
    const { body } = await expectProblem(tenant, `/~${tenant}/contacts?${many}`, {}, 400);
    expect(body.detail).toMatch(new RegExp(`at most ${MAX_CONDITIONS} conditions`));
    const filter = Object.fromEntries(
      [...STRINGS, ...STRINGS2].map((f) => [f, { $ne: 'a', $gt: 'b', $gte: 'c', $lt: 'd', $lte: 'e', $nin: ['x'] }]),
    );
    await expectProblem(tenant, `/~${tenant}/query`, { method: 'POST', body: { type: 'Contact', filter } }, 400);
  });

  it(`of ${MAX_CONDITIONS} of the widest conditions, with four sort keys and a cursor, answers 200`, async () => {
    const { tenant } = await aTenantWithAContact();
    await created(tenant, 'contacts', aContact());
    const conditions = [
      ...[...STRINGS, ...STRINGS2].flatMap((f) => [`${f}[ne]=zz`, `${f}[nin]=zz,yy`]),
      'leadScore[gte]=0',
      'leadScore[lte]=100',
      'leadScore[ne]=-1',
      'leadScore[nin]=-5,-6',
    ];
    expect(conditions).toHaveLength(MAX_CONDITIONS);
    const path = `/~${tenant}/contacts?${conditions.join('&')}&sort=-leadScore,name,email,title&limit=1`;
    const first = await apiJson(path);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body['next']).toEqual(expect.any(String));
    const second = await apiJson(`${path}&cursor=${first.body['next']}`);
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body['data']).toHaveLength(1);
  });
});
