// The log as CloudEvents: `GET /~t/events?after=seq&limit=&type=`. Pull subscribers page with `next`.
import type { IRequest } from 'itty-router';
import { toCloudEvent } from '../domain/cloudevent';
import type { Env } from './env';
import { badRequest, problem } from './problems';
import { json } from './request-body';
import { tenantCall } from './tenant-call';

export const EVENTS_DEFAULT_LIMIT = 100;
export const EVENTS_MAX_LIMIT = 1_000;

export async function listEvents(request: IRequest, env: Env): Promise<Response> {
  const tenant = request.params['tenant']!;
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx.response;
  const url = new URL(request.url);
  const after = Number(url.searchParams.get('after') ?? '0');
  const limit = Number(url.searchParams.get('limit') ?? EVENTS_DEFAULT_LIMIT);
  const type = url.searchParams.get('type') ?? undefined;
  if (!Number.isSafeInteger(after) || after < 0)
    return badRequest('after must be a seq number, 0 or more', [{ path: '?after', message: 'invalid' }]);
  if (!Number.isInteger(limit) || limit < 1 || limit > EVENTS_MAX_LIMIT) return badRequest(`limit must be from 1 to ${EVENTS_MAX_LIMIT}`, [{ path: '?limit', message: 'out of range' }]);
  const result = await ctx.log.events(ctx.call, { after, limit, ...(type ? { type } : {}) });
  if (!result.ok) return problem(result.error);
  const { events, head } = result.value;
  const next = events.length === limit ? String(events.at(-1)!.seq) : null;
  return json({ data: events.map((e) => toCloudEvent(tenant, e)), next }, { headers: { 'x-event-seq': String(head) } });
}
