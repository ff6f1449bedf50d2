// The route table (workers/router.ts) declares, for every method of every route, the scope it needs:
// public, read, write or admin. This fails when a route has none, and when a declaration is not what the
// route enforces: without a credential a non-public route answers 401, with a key one scope short 403,
// and with a key of exactly the declared scope neither.
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RouteScope } from '../workers/router';
import { aContact, anOrganization, created } from './builders';
import { aTenant, api, apiJson, type Call } from './http';

const SCOPES: readonly RouteScope[] = ['public', 'read', 'write', 'admin'];
const ONE_SHORT: Partial<Record<RouteScope, 'read' | 'write'>> = { write: 'read', admin: 'write' };

// A valid body per route that needs one, so that what answers is the scope check, not the body's.
// A new route with a body adds its sample here.
const SAMPLE_BODIES: Readonly<Record<string, (f: Fixtures) => unknown>> = {
  'POST /~:tenant/keys': () => ({ name: 'sample', scopes: ['read'] }),
  'POST /~:tenant/query': () => ({ type: 'Contact' }),
  'PATCH /~:tenant/settings': () => ({ qualifyThreshold: 45 }),
  'POST /~:tenant/batch': () => ({ operations: [{ type: 'Contact', verb: 'create', data: { name: 'In a batch' } }] }),
  'POST /~:tenant/contacts/capture': () => aContact({ source: 'form' }),
  'POST /~:tenant/contacts/:id/assign': () => ({ owner: 'rep-7' }),
  'POST /~:tenant/contacts/:id/merge': (f) => ({ sources: [f.otherContactId] }),
  'POST /~:tenant/contacts/:id/enrich': () => ({ source: 'notes', data: { department: 'R&D' } }),
  'POST /~:tenant/:collection': () => aContact(),
  'PATCH /~:tenant/:collection/:id': () => ({ title: 'CTO' }),
  'POST /~:tenant/webhooks': () => aWebhook(),
  'PATCH /~:tenant/webhooks/:id': () => ({ description: 'renamed' }),
  'POST /~:tenant/mcp': () => ({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  'POST /~:tenant/import': () => '',
};

// Headers a route needs besides its body: a WebSocket route answers an upgrade only.
const SAMPLE_HEADERS: Readonly<Record<string, Record<string, string>>> = {
  'GET /~:tenant/events/ws': { upgrade: 'websocket' },
  'POST /~:tenant/mcp': { accept: 'application/json, text/event-stream' },
  'POST /~:tenant/import': { 'content-type': 'application/x-ndjson' },
};

// Routes that past the scope check answer 409 for the fixture tenant's state: an import restores into an
// empty tenant only, and the fixtures have events.
const REFUSED_BY_STATE = new Set(['POST /~:tenant/import']);

// Routes that answer a resource the fixtures cannot make in time (a delivery is made by the queue later):
// past the scope check they may answer 404, never 401 or 403.
const MAY_BE_MISSING = new Set(['POST /~:tenant/webhooks/:id/deliveries/:deliveryId/redeliver']);

// A public address literal: accepted without a DNS look-up; tests answer every outbound fetch locally.
// Its type is one this file never emits: deliveries (and their retries, seconds later) would otherwise
// still be running in the queue consumer when the file's environment is torn down.
const aWebhook = () => ({ url: 'https://93.184.215.14/hooks/crm', types: ['Campaign.Launched'] });

interface Fixtures {
  readonly tenant: string;
  readonly contactId: string;
  readonly otherContactId: string;
  readonly organizationId: string;
  readonly keyId: string;
  readonly webhookId: string;
}

const tenant = aTenant('scopes');
const keys: Partial<Record<'read' | 'write' | 'admin', string>> = {};

beforeAll(async () => {
  for (const scope of ['read', 'write', 'admin'] as const) {
    const key = await apiJson(`/~${tenant}/keys`, { method: 'POST', body: { name: scope, scopes: [scope] } });
    expect(key.status).toBe(201);
    keys[scope] = key.body['key'];
  }
});

/** Fresh entities per case: a case may delete or merge them. */
async function fixtures(): Promise<Fixtures> {
  const key = await apiJson(`/~${tenant}/keys`, { method: 'POST', body: { name: 'to revoke', scopes: ['read'] } });
  // A Lead that scores enough to be qualified.
  const lead = aContact({ stage: 'Lead', title: 'CEO', phone: '+1 555 0100', role: 'DecisionMaker' });
  return {
    tenant,
    contactId: (await created(tenant, 'contacts', lead))['$id'],
    otherContactId: (await created(tenant, 'contacts', aContact()))['$id'],
    organizationId: (await created(tenant, 'organizations', anOrganization()))['$id'],
    keyId: key.body['id'],
    webhookId: (await apiJson(`/~${tenant}/webhooks`, { body: aWebhook() })).body['id'],
  };
}

function requestOf(path: string, method: string, f: Fixtures): { path: string; call: Call } {
  const concrete = path
    .replace(':tenant', f.tenant)
    .replace(':collection', 'contacts')
    .replace(/\/keys\/:id/, `/keys/${f.keyId}`)
    .replace(/\/webhooks\/:id/, `/webhooks/${f.webhookId}`)
    .replace(':deliveryId', 'delivery_01JNOSUCHDELIVERY0000000000')
    .replace(/\/organizations\/:id/, `/organizations/${f.organizationId}`)
    .replace(':id', f.contactId);
  const body = SAMPLE_BODIES[`${method} ${path}`]?.(f);
  const headers = SAMPLE_HEADERS[`${method} ${path}`];
  return { path: concrete, call: { method, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) } };
}

// The status alone: a stream (SSE, WebSocket) never ends, so its body is not read.
async function statusOf(path: string, call: Call): Promise<{ status: number; body: string }> {
  const response = await api(path, call);
  if (response.webSocket) {
    response.webSocket.accept();
    response.webSocket.close(1000, 'done');
  }
  const streaming = response.headers.get('content-type')?.startsWith('text/event-stream');
  if (streaming) await response.body?.cancel();
  return { status: response.status, body: streaming || response.status === 101 ? '' : await response.text() };
}

const cases = ROUTES.flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, entry]) => ({ path, method, entry })),
);

describe('the route table', () => {
  it('declares public, read, write or admin for every method of every route', () => {
    expect(cases.length).toBeGreaterThan(20);
    const declared = (entry: unknown) =>
      Array.isArray(entry) && SCOPES.includes(entry[0]) && typeof entry[1] === 'function';
    const undeclared = cases.filter(({ entry }) => !declared(entry));
    expect(undeclared.map(({ method, path }) => `${method} ${path}`)).toEqual([]);
  });

  const named = cases.map((c) => [`${c.method} ${c.path}`, c] as const);
  it.each(named)('%s enforces its declared scope', async (_, { path, method, entry }) => {
    const scope = entry[0];
    const f = await fixtures();
    const { path: concrete, call } = requestOf(path, method, f);
    const anonymous = await statusOf(concrete, { ...call, token: null });
    if (scope === 'public') {
      expect(anonymous.status, 'a public route answers without a credential').toBe(200);
      return;
    }
    expect(anonymous.status, 'no credential').toBe(401);
    const short = ONE_SHORT[scope];
    if (short) {
      const refused = await statusOf(concrete, { ...call, token: keys[short]! });
      expect(refused.status, `a ${short} key on a ${scope} route (a body checked first? add a sample body)`).toBe(403);
    }
    const allowed = await statusOf(concrete, { ...call, token: keys[scope]! });
    if (MAY_BE_MISSING.has(`${method} ${path}`)) expect([200, 202, 404], allowed.body).toContain(allowed.status);
    else if (REFUSED_BY_STATE.has(`${method} ${path}`)) expect(allowed.status, allowed.body).toBe(409);
    else expect(allowed.status, `a ${scope} key: ${allowed.body}`).toBeLessThan(400);
  });
});
