// Live subscribers (read scope): `GET /~t/events/stream?after=&types=` (SSE; `Last-Event-ID` resumes)
// and `GET /~t/events/ws` (WebSocket; the client then sends {"subscribe": {"after", "types"}}). The
// caller is checked here, against the tenant's log; the tenant's StreamHub holds the connection.
import type { IRequest } from 'itty-router';
import { parseTypeList } from '../domain/type-patterns';
import type { Subscription } from '../durable-objects/stream-hub';
import { hubOf } from './webhook-consumer';
import type { Env } from '../shared/env';
import { badRequest, problem } from './problems';
import { tenantCall } from './tenant-call';

export async function eventStream(request: IRequest, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const who = await reader(request, env);
  if (!who.ok) return who.response;
  // An EventSource reconnects to the same URL with Last-Event-ID: that one wins over ?after.
  const resume = request.headers.get('last-event-id') ?? url.searchParams.get('after');
  const after = resume === null || resume.trim() === '' ? null : Number(resume);
  if (after !== null && !(Number.isSafeInteger(after) && after >= 0))
    return badRequest('after (or Last-Event-ID) must be a seq number, 0 or more', [
      { path: '?after', message: 'invalid' },
    ]);
  const types = parseTypeList(url.searchParams.get('types'));
  if (!types.ok) return badRequest(types.error, [{ path: '?types', message: 'invalid' }]);
  // HEAD answers the headers without holding a subscriber in the hub.
  if (request.method === 'HEAD')
    return new Response(null, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
  return forward(env, 'sse', { tenant: who.tenant, actor: who.actor, after, types: types.value }, request);
}

export async function eventSocket(request: IRequest, env: Env): Promise<Response> {
  const who = await reader(request, env);
  if (!who.ok) return who.response;
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket')
    return problem({ code: 'bad_request', message: 'connect with a WebSocket (Upgrade: websocket)' });
  return forward(env, 'ws', { tenant: who.tenant, actor: who.actor, after: null, types: [] }, request);
}

type Reader = { ok: true; tenant: string; actor: string } | { ok: false; response: Response };

async function reader(request: IRequest, env: Env): Promise<Reader> {
  const tenant = request.params['tenant']!;
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx;
  const allowed = await ctx.log.check(ctx.call, 'read');
  if (!allowed.ok) return { ok: false, response: problem(allowed.error) };
  return { ok: true, tenant, actor: allowed.value.actor };
}

async function forward(env: Env, path: 'sse' | 'ws', subscription: Subscription, request: Request): Promise<Response> {
  const headers = new Headers({ 'x-subscription': JSON.stringify(subscription) });
  const upgrade = request.headers.get('upgrade');
  if (upgrade) headers.set('upgrade', upgrade);
  const answer = await hubOf(env, subscription.tenant).fetch(new Request(`https://hub/${path}`, { headers }));
  if (answer.headers.get('x-refused') !== 'subscribers') return answer;
  return problem({
    code: 'unavailable',
    message: `this tenant has its ${answer.headers.get('x-limit')} live subscribers; close one or try again later`,
    extra: { retryAfter: 5 },
  });
}
