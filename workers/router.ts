// Every route of the API in one table. A path that exists with another method answers 405 with Allow.
import { Router, type IRequest } from 'itty-router';
import { auditVerify, entityEvents } from './audit-routes';
import { createEntity, deleteEntity, readEntity, updateEntity } from './entity-routes';
import type { Env } from './env';
import { listEvents } from './event-routes';
import { createKey, listKeys, revokeKey } from './key-routes';
import { contactManagers, contactReports, organizationChart, organizationContacts } from './graph-routes';
import { listEntities, queryEntities } from './list-routes';
import { mcpRoute } from './mcp-route';
import { openApiRoute } from './openapi';
import { docsPage, docsScript } from './docs-route';
import { projectionRebuild, projectionStatus } from './projection-routes';
import { problem } from './problems';
import { postBatch } from './batch-routes';
import { patchSettings, readHookStatus, readSettings } from './settings-routes';
import { readProvenance, readScore, verbRoutes } from './verb-routes';

type Route = (request: IRequest, env: Env, ctx: ExecutionContext) => Promise<Response> | Response;

// Order matters: fixed segments (keys, events) before the :collection catch-all.
export const ROUTES: readonly [path: string, methods: Readonly<Record<string, Route>>][] = [
  ['/openapi.json', { GET: openApiRoute }],
  ['/docs', { GET: docsPage }],
  ['/docs/scalar.js', { GET: docsScript }],
  ['/~:tenant/keys', { GET: listKeys, POST: createKey }],
  ['/~:tenant/keys/:id', { DELETE: revokeKey }],
  ['/~:tenant/events', { GET: listEvents }],
  ['/~:tenant/audit/verify', { GET: auditVerify }],
  ['/~:tenant/query', { POST: queryEntities }],
  ['/~:tenant/projections/status', { GET: projectionStatus }],
  ['/~:tenant/projections/rebuild', { POST: projectionRebuild }],
  ['/~:tenant/contacts/:id/managers', { GET: contactManagers }],
  ['/~:tenant/contacts/:id/reports', { GET: contactReports }],
  ['/~:tenant/organizations/:id/contacts', { GET: organizationContacts }],
  ['/~:tenant/organizations/:id/chart', { GET: organizationChart }],
  ['/~:tenant/settings', { GET: readSettings, PATCH: patchSettings }],
  ['/~:tenant/batch', { POST: postBatch }],
  ['/~:tenant/mcp', { POST: mcpRoute }],
  ['/~:tenant/hooks', { GET: readHookStatus }],
  ['/~:tenant/contacts/:id/score', { GET: readScore }],
  ['/~:tenant/contacts/:id/provenance', { GET: readProvenance }],
  ...verbRoutes(),
  ['/~:tenant/:collection/:id/events', { GET: entityEvents }],
  ['/~:tenant/:collection', { GET: listEntities, POST: createEntity }],
  ['/~:tenant/:collection/:id', { GET: readEntity, PATCH: updateEntity, DELETE: deleteEntity }],
];

// HEAD answers as GET would (status and headers) without the body (RFC 9110 §9.3.2).
function headOf(get: Route): Route {
  return async (request, env, ctx) => {
    const answer = await get(request, env, ctx);
    return new Response(null, { status: answer.status, headers: answer.headers });
  };
}

export function buildRouter() {
  const router = Router<IRequest, [Env, ExecutionContext]>({
    catch: (error: unknown) => {
      console.error('unhandled', error);
      return problem({ code: 'internal', message: 'an internal error; nothing was changed by it unless X-Event-Seq says so' });
    },
  });
  for (const [path, methods] of ROUTES) {
    // itty registers a route under whatever method name is read off the router.
    const byMethod = router as unknown as Record<string, (path: string, handler: Route) => unknown>;
    for (const [method, handler] of Object.entries(methods)) byMethod[method]!(path, handler);
    if (methods['GET']) byMethod['HEAD']!(path, headOf(methods['GET']));
    const allow = Object.keys(methods).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
    router.all(path, () => problem({ code: 'method_not_allowed', message: `use ${allow}` }, { allow }));
  }
  router.all('*', (request: IRequest) => problem({ code: 'not_found', message: `no route ${new URL(request.url).pathname}` }));
  return router;
}
