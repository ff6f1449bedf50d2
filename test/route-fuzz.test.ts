// A fuzz over every route of the table (workers/router.ts), in workerd through the Worker's fetch: random
// methods, paths (the routes' own shapes with random tenants, collections and ids, and junk), query strings,
// headers and bodies. Whatever comes in, the answer is never a 500, and every 4xx is an RFC 9457
// application/problem+json whose status is the response's.
// Bodies reach past the nesting limit (32), keys include Object.prototype names, Idempotency-Keys run past
// 255 characters. A stream (SSE, WebSocket) is answered by its status and headers; its body never ends.
import fc from 'fast-check';
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { NOUNS } from '../domain/nouns';
import { ROUTES } from '../workers/router';
import { aContact, anOrganization, created } from './builders';
import { ADMIN, aTenant, apiJson } from './http';

const RUNS = 700;
const tenant = aTenant('fuzz');
const ids: string[] = [];
const tokens: string[] = [ADMIN, 'nonsense', `crm_${tenant}_${'0'.repeat(64)}`, `crm_other_${'1'.repeat(64)}`];

beforeAll(async () => {
  const boss = await created(tenant, 'contacts', aContact({ stage: 'Lead', title: 'CEO' }));
  const org = await created(tenant, 'organizations', anOrganization());
  const report = await created(tenant, 'contacts', aContact({ manager: boss['$id'], organization: org['$id'] }));
  ids.push(boss['$id'], org['$id'], report['$id']);
  for (const scope of ['read', 'write', 'admin']) {
    const key = await apiJson(`/~${tenant}/keys`, { method: 'POST', body: { name: scope, scopes: [scope] } });
    tokens.push(key.body['key']);
  }
});

// Printable ASCII: what a header value may hold.
const asciiChar = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const ascii = (max: number) => fc.string({ unit: asciiChar, maxLength: max });
const junk = fc.oneof(
  fc.string({ maxLength: 30 }),
  ascii(30),
  fc.constantFrom('', '..', '%', '%00', '~', '-', 'null', '0', '-1'),
);
const segment = junk.map((s) => encodeURIComponent(s));
const weighted = <T>(...pairs: [number, fc.Arbitrary<T>][]) =>
  fc.oneof(...pairs.map(([weight, arbitrary]) => ({ weight, arbitrary })));

const tenantName = weighted(
  [12, fc.constant(tenant)],
  [1, fc.constantFrom('other-t', 'UPPER', '-x', 'a'.repeat(70))],
  [1, segment],
);
const collection = weighted([8, fc.constantFrom(...NOUNS.map((n) => n.collection))], [1, segment]);
const anId = fc.nat().map((n) => ids[n % ids.length]!);
const id = weighted(
  [8, anId],
  [1, fc.constantFrom('contact_01J0000000000000000000000', 'org_x', 'key_1', 'contact_')],
  [1, segment],
);

const METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'] as const;

/** A route of the table with its parameters filled in, mostly with one of its own methods. */
const routeRequest = fc
  .tuple(fc.constantFrom(...ROUTES), tenantName, collection, id, fc.nat(), fc.integer({ min: 0, max: 9 }))
  .map(([[template, methods], t, c, i, pick, dice]) => {
    const own = Object.keys(methods);
    const method = dice < 8 ? own[pick % own.length]! : METHODS[pick % METHODS.length]!;
    return { method, path: template.replace(':tenant', t).replace(':collection', c).replace(':id', i) };
  });
const junkPath = fc.oneof(
  fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join('/')}`),
  fc.tuple(tenantName, fc.array(segment, { maxLength: 4 })).map(([t, s]) => `/~${t}/${s.join('/')}`),
);
const junkRequest = fc.tuple(fc.constantFrom(...METHODS), junkPath).map(([method, path]) => ({ method, path }));
const target = weighted([9, routeRequest], [1, junkRequest]);

const QUERY_NAMES = [
  'limit',
  'after',
  'cursor',
  'sort',
  'stage',
  'asOf',
  'include',
  'depth',
  'field',
  'from',
  'type',
  'leadScore[gte]',
  'name[eq]',
  'email',
  'owner',
  'x',
];
const queryValue = fc.oneof(
  junk,
  fc.integer().map(String),
  fc.constantFrom('0', '-1', '1e3', '2026-01-01T00:00:00Z', 'all', '-leadScore', 'organization,leads'),
);
const query = fc
  .array(fc.tuple(fc.constantFrom(...QUERY_NAMES), queryValue), { maxLength: 4 })
  .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs)}` : ''));

const key = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'),
);
const value = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
);
const deepJson = fc.jsonValue({ maxDepth: 6 });
const nested = fc.integer({ min: 1, max: 60 }).map((depth) => `${'['.repeat(depth)}1${']'.repeat(depth)}`);
const FIELDS = [
  'name',
  'email',
  'stage',
  'title',
  'phone',
  'manager',
  'organization',
  'leadScore',
  'status',
  'source',
  'owner',
  '$id',
  '$version',
  '$type',
  'value',
  'subject',
  'contact',
  'domain',
  'parent',
  'role',
  'website',
  'timezone',
];
const field = fc.constantFrom(...FIELDS);
const entityish = fc.dictionary(fc.oneof(field, key), fc.oneof(value, anId), { maxKeys: 6 });
const partial = <T>(shape: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(shape, { requiredKeys: [] });
const operator = fc.constantFrom('$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$x');

const bodies = {
  contact: partial({
    name: junk,
    email: fc.oneof(junk, fc.emailAddress()),
    stage: fc.constantFrom('Lead', 'Qualified', 'x'),
  }),
  merge: fc.record({ sources: fc.array(fc.oneof(anId, junk), { maxLength: 3 }) }),
  enrich: partial({ data: entityish, source: junk, overwrite: fc.boolean() }),
  batch: partial({
    atomic: fc.boolean(),
    operations: fc.array(
      partial({
        type: fc.constantFrom('Contact', 'Deal', 'Nope'),
        verb: fc.constantFrom('create', 'update', 'delete', 'qualify', 'x'),
        id: fc.oneof(anId, junk),
        data: entityish,
      }),
      { maxLength: 5 },
    ),
  }),
  query: partial({
    type: fc.constantFrom('Contact', 'Organization', 'x'),
    filter: fc.dictionary(field, fc.oneof(value, fc.dictionary(operator, value, { maxKeys: 2 })), { maxKeys: 3 }),
    sort: fc.dictionary(field, fc.constantFrom('asc', 'desc', 'x')),
    limit: value,
    cursor: junk,
  }),
  settings: partial({
    qualifyThreshold: value,
    weights: fc.dictionary(fc.oneof(fc.constantFrom('phone', 'businessEmail', 'titleExecutive'), key), value, {
      maxKeys: 3,
    }),
  }),
  key: partial({
    name: junk,
    scopes: fc.array(fc.constantFrom('read', 'write', 'admin', 'root'), { maxLength: 3 }),
    rateLimit: value,
  }),
};
const asJson = (a: fc.Arbitrary<unknown>) => a.map((v) => JSON.stringify(v));
const body = weighted<string | undefined>(
  [2, fc.constant(undefined)],
  [3, asJson(entityish)],
  [3, asJson(bodies.contact)],
  [2, asJson(deepJson)],
  [1, nested],
  [1, asJson(bodies.merge)],
  [1, asJson(bodies.enrich)],
  [2, asJson(bodies.batch)],
  [1, asJson(bodies.query)],
  [1, asJson(bodies.settings)],
  [1, asJson(bodies.key)],
  [1, fc.string({ maxLength: 40 })],
  [1, fc.constantFrom('{', '[', '{"a":', 'null', '""', '[]', '{}', '1', '\u0000')],
);

const headers = fc.record(
  {
    authorization: weighted(
      [5, fc.constant(`Bearer ${ADMIN}`)],
      [3, fc.integer({ min: 4, max: 6 }).map((i) => `Bearer ${tokens[i] ?? ADMIN}`)], // the scoped keys
      [1, fc.integer({ min: 1, max: 3 }).map((i) => `Bearer ${tokens[i]}`)], // never issued, another tenant's
      [1, ascii(40)],
    ),
    'content-type': weighted(
      [6, fc.constant('application/json')],
      [1, fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', '')],
    ),
    'if-match': fc.oneof(fc.constantFrom('"1"', '"2"', '*', 'W/"1"', '"x"'), ascii(10)),
    'idempotency-key': fc.oneof(ascii(40), ascii(300)),
    'x-request-id': ascii(40),
    'x-min-seq': fc.constantFrom('0', 'abc', '-1', '1.5', ''), // not past the head: that waits 10 s by design
    accept: fc.constantFrom('application/json', 'text/event-stream', '*/*'),
  },
  { requiredKeys: ['authorization'] },
);

describe('every route under random requests', () => {
  it('never answers 500, and answers every 4xx as application/problem+json', async () => {
    await fc.assert(
      fc.asyncProperty(target, query, headers, body, async ({ method, path: p }, q, h, b) => {
        const withBody = b !== undefined && method !== 'GET' && method !== 'HEAD';
        const init = { method, headers: h, ...(withBody ? { body: b } : {}) };
        const request = new Request(`http://crm.test${p}${q}`, init);
        const answer = await exports.default.fetch(request);
        if (answer.webSocket) {
          answer.webSocket.accept();
          answer.webSocket.close(1000, 'fuzz');
        }
        const streaming = answer.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
        if (streaming) await answer.body?.cancel();
        const text = streaming || answer.status === 101 ? '' : await answer.text();
        const seen = `${method} ${p}${q} → ${answer.status} ${text.slice(0, 300)}`;
        // 503 is the one 5xx a client may see: the read model not yet at X-Min-Seq (Retry-After).
        expect(answer.status < 500 || answer.status === 503, seen).toBe(true);
        if (answer.status === 503) {
          expect(answer.headers.get('retry-after'), seen).toMatch(/^\d+$/);
          expect(answer.headers.get('content-type'), seen).toBe('application/problem+json');
        }
        // The MCP endpoint answers protocol errors as JSON-RPC, which is what MCP clients read; past auth,
        // its 4xx are JSON-RPC error objects, never a 500.
        const jsonRpc = /\/mcp$/.test(p) && answer.headers.get('content-type') === 'application/json';
        if (jsonRpc && answer.status >= 400 && answer.status < 500 && method !== 'HEAD') {
          expect(JSON.parse(text), seen).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number) } });
          return;
        }
        if (answer.status >= 400 && answer.status < 500) {
          expect(answer.headers.get('content-type'), seen).toBe('application/problem+json');
          if (method === 'HEAD') return;
          const problem = JSON.parse(text) as Record<string, unknown>;
          expect(problem, seen).toMatchObject({
            type: expect.stringMatching(/^https:\/\//),
            title: expect.any(String),
            status: answer.status,
            detail: expect.any(String),
          });
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
