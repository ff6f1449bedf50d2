// Every route of the API in one table, each method with the scope it needs (public: no credential;
// read < write < admin, as a key's scopes imply). A path that exists with another method answers 405 with Allow.
import { Router, type IRequest } from 'itty-router';
import { Contact, Organization } from '../domain/nouns';
import { auditVerify, entityEvents } from './audit-routes';
import { createEntity, deleteEntity, readEntity, updateEntity } from './entity-routes';
import type { Env } from '../shared/env';
import { listEvents } from './event-routes';
import { eventSocket, eventStream } from './stream-routes';
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  readWebhook,
  redeliver,
  updateWebhook,
} from './webhook-routes';
import { createKey, listKeys, revokeKey } from './key-routes';
import { contactManagers, contactReports, organizationChart, organizationContacts } from './graph-routes';
import { listEntities, queryEntities } from './list-routes';
import { mcpRoute } from './mcp-route';
import { openApiRoute } from './openapi';
import { docsPage, docsScript } from './docs-route';
import { projectionRebuild, projectionStatus } from './projection-routes';
import { problem } from './problems';
import { withRateHeaders } from './rate-headers';
import { postBatch } from './batch-routes';
import { health, serviceRoot } from './service-routes';
import { patchSettings, readHookStatus, readSettings } from './settings-routes';
import { readProvenance, readScore, verbRoutes } from './verb-routes';
import { auditCheckpoint, auditKeys, eraseContactRoute, exportLog, importLog } from './replay-routes';
import { log } from '../shared/log';

type Route = (request: IRequest, env: Env, ctx: ExecutionContext) => Promise<Response> | Response;

/** What a caller needs to be answered: nothing (public), or a key with this scope (the admin token has all). */
export type RouteScope = 'public' | 'read' | 'write' | 'admin';
export type RouteTable = readonly [path: string, methods: Readonly<Record<string, readonly [RouteScope, Route]>>][];

const scoped = (scope: RouteScope, routes: [string, Record<string, Route>][]): RouteTable =>
  routes.map(([path, methods]) => [path, Object.fromEntries(Object.entries(methods).map(([m, r]) => [m, [scope, r]]))]);

// The routes of one Contact or Organization (graphs, score, provenance, erasure), by their declared collection.
const CONTACT = `/~:tenant/${Contact.collection}/:id`;
const ORGANIZATION = `/~:tenant/${Organization.collection}/:id`;
// MCP tool calls are answered by the REST routes of this same table (one router, built on first use).
let inner: ReturnType<typeof buildRouter> | undefined;
const mcp: Route = (request, env, ctx) =>
  mcpRoute(request, env, (rest) => (inner ??= buildRouter()).fetch(rest, env, ctx) as Promise<Response>);

// Order matters: fixed segments (keys, events) before the :collection catch-all.
export const ROUTES: RouteTable = [
  ['/', { GET: ['public', serviceRoot] }],
  ['/health', { GET: ['public', health] }],
  ['/openapi.json', { GET: ['public', openApiRoute] }],
  ['/docs', { GET: ['public', docsPage] }],
  ['/docs/scalar.js', { GET: ['public', docsScript] }],
  // Replay and audit (issue 10; docs/replay.md).
  ['/audit/keys', { GET: ['public', auditKeys] }],
  ['/~:tenant/export', { GET: ['admin', exportLog] }],
  ['/~:tenant/import', { POST: ['admin', importLog] }],
  ['/~:tenant/audit/checkpoint', { GET: ['admin', auditCheckpoint] }],
  [`${CONTACT}/erase`, { POST: ['admin', eraseContactRoute] }],
  ['/~:tenant/keys', { GET: ['admin', listKeys], POST: ['admin', createKey] }],
  ['/~:tenant/keys/:id', { DELETE: ['admin', revokeKey] }],
  ['/~:tenant/events', { GET: ['read', listEvents] }],
  ['/~:tenant/events/stream', { GET: ['read', eventStream] }],
  ['/~:tenant/events/ws', { GET: ['read', eventSocket] }],
  ['/~:tenant/webhooks', { GET: ['admin', listWebhooks], POST: ['admin', createWebhook] }],
  [
    '/~:tenant/webhooks/:id',
    { GET: ['admin', readWebhook], PATCH: ['admin', updateWebhook], DELETE: ['admin', deleteWebhook] },
  ],
  ['/~:tenant/webhooks/:id/deliveries', { GET: ['admin', listDeliveries] }],
  ['/~:tenant/webhooks/:id/deliveries/:deliveryId/redeliver', { POST: ['admin', redeliver] }],
  ['/~:tenant/audit/verify', { GET: ['read', auditVerify] }],
  ['/~:tenant/query', { POST: ['read', queryEntities] }],
  ['/~:tenant/projections/status', { GET: ['read', projectionStatus] }],
  ['/~:tenant/projections/rebuild', { POST: ['admin', projectionRebuild] }],
  [`${CONTACT}/managers`, { GET: ['read', contactManagers] }],
  [`${CONTACT}/reports`, { GET: ['read', contactReports] }],
  [`${ORGANIZATION}/contacts`, { GET: ['read', organizationContacts] }],
  [`${ORGANIZATION}/chart`, { GET: ['read', organizationChart] }],
  ['/~:tenant/settings', { GET: ['read', readSettings], PATCH: ['admin', patchSettings] }],
  ['/~:tenant/batch', { POST: ['write', postBatch] }],
  // Each tool call is checked again at the scope of the REST route it stands for (search, fetch: read; do: write).
  ['/~:tenant/mcp', { POST: ['read', mcp] }],
  ['/~:tenant/hooks', { GET: ['read', readHookStatus] }],
  [`${CONTACT}/score`, { GET: ['read', readScore] }],
  [`${CONTACT}/provenance`, { GET: ['read', readProvenance] }],
  ...scoped('write', verbRoutes()),
  ['/~:tenant/:collection/:id/events', { GET: ['read', entityEvents] }],
  ['/~:tenant/:collection', { GET: ['read', listEntities], POST: ['write', createEntity] }],
  [
    '/~:tenant/:collection/:id',
    {
      GET: ['read', readEntity],
      PATCH: ['write', updateEntity],
      DELETE: ['write', deleteEntity],
    },
  ],
];

// HEAD answers as GET would (status and headers) without the body (RFC 9110 §9.3.2).
function headOf(get: Route): Route {
  return async (request, env, ctx) => {
    const answer = await get(request, env, ctx);
    return new Response(null, { status: answer.status, headers: answer.headers });
  };
}

// The number of segments of a route's path or of a request's path (trailing slashes aside): a route's
// pattern matches only paths with as many segments (each `:name` is one segment).
function depthOf(path: string): number {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? 0 : trimmed.split('/').length - 1;
}

/**
 * The router: one itty router per path depth, each with that depth's routes in the table's order, so a
 * request is matched only against the routes that can match it (a read by id was tested against ~75
 * patterns before its own, the last one: 12% of a read's CPU). First matching path wins, as before.
 */
export function buildRouter() {
  const byDepth = new Map<number, [string, Readonly<Record<string, readonly [RouteScope, Route]>>][]>();
  for (const [path, methods] of ROUTES) {
    const depth = depthOf(path);
    byDepth.set(depth, [...(byDepth.get(depth) ?? []), [path, methods]]);
  }
  const routers = new Map([...byDepth].map(([depth, routes]) => [depth, routerOf(routes)]));
  const none = routerOf([]);
  return {
    fetch: (request: Request, env: Env, ctx: ExecutionContext): Promise<Response> =>
      (routers.get(depthOf(new URL(request.url).pathname)) ?? none).fetch(request, env, ctx),
  };
}

function routerOf(routes: RouteTable) {
  const router = Router<IRequest, [Env, ExecutionContext]>({
    catch: (error: unknown, request: IRequest) => {
      log.error('unhandled', { method: request.method, path: new URL(request.url).pathname, error });
      return problem({
        code: 'internal',
        message: 'an internal error; nothing was changed by it unless X-Event-Seq says so',
      });
    },
    finally: [(response: Response, request: IRequest) => withRateHeaders(request, response)],
  });
  for (const [path, methods] of routes) {
    // itty registers a route under whatever method name is read off the router.
    const byMethod = router as unknown as Record<string, (path: string, handler: Route) => unknown>;
    for (const [method, [, handler]] of Object.entries(methods)) byMethod[method]!(path, handler);
    if (methods['GET']) byMethod['HEAD']!(path, headOf(methods['GET'][1]));
    const allow = Object.keys(methods)
      .flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]))
      .join(', ');
    router.all(path, () => problem({ code: 'method_not_allowed', message: `use ${allow}` }, { allow }));
  }
  router.all('*', (request: IRequest) =>
    problem({ code: 'not_found', message: `no route ${new URL(request.url).pathname}` }),
  );
  return router;
}
