// Audit reads: `GET /~t/{collection}/{id}/events` (one entity's history, merged sources included;
// `?field=` for one field's values over time) and `GET /~t/audit/verify` (the hash chain, in bounded runs).
import type { IRequest } from 'itty-router';
import { toCloudEvent } from '../domain/cloudevent';
import { VERIFY_BUDGET } from '../durable-objects/chain-auditor';
import type { Env } from '../shared/env';
import { EVENTS_DEFAULT_LIMIT, EVENTS_MAX_LIMIT } from './event-routes';
import { nounRoute } from './noun-route';
import { badRequest, problem } from './problems';
import { json } from './request-body';
import { tenantCall } from './tenant-call';

/** A whole-number query parameter in [min, max], the fallback when absent; undefined when invalid. */
function intParam(url: URL, name: string, fallback: number, min: number, max: number): number | undefined {
  const raw = url.searchParams.get(name);
  const value = raw === null ? fallback : Number(raw);
  return raw !== '' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

export async function entityEvents(request: IRequest, env: Env): Promise<Response> {
  const route = await nounRoute(request, env);
  if (route instanceof Response) return route;
  const { noun, tenant, ctx } = route;
  const url = new URL(request.url);
  const after = intParam(url, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = intParam(url, 'limit', EVENTS_DEFAULT_LIMIT, 1, EVENTS_MAX_LIMIT);
  if (after === undefined)
    return badRequest('after must be a seq number, 0 or more', [{ path: '?after', message: 'invalid' }]);
  if (limit === undefined)
    return badRequest(`limit must be from 1 to ${EVENTS_MAX_LIMIT}`, [{ path: '?limit', message: 'out of range' }]);
  const id = request.params['id']!;
  const field = url.searchParams.get('field');
  if (field !== null) {
    const result = await ctx.log.fieldHistory(ctx.call, { noun: noun.name, id, field });
    if (!result.ok) return problem(result.error);
    return json({ field, data: result.value.changes }, { headers: { 'x-event-seq': String(result.value.head) } });
  }
  const result = await ctx.log.entityEvents(ctx.call, { noun: noun.name, id, after, limit });
  if (!result.ok) return problem(result.error);
  const { events, head } = result.value;
  const next = events.length === limit ? String(events.at(-1)!.seq) : null;
  return json({ data: events.map((e) => toCloudEvent(tenant, e)), next }, { headers: { 'x-event-seq': String(head) } });
}

export async function auditVerify(request: IRequest, env: Env): Promise<Response> {
  const ctx = await tenantCall(request, env, request.params['tenant']!);
  if (!ctx.ok) return ctx.response;
  const url = new URL(request.url);
  const from = intParam(url, 'from', 1, 1, Number.MAX_SAFE_INTEGER);
  const budget = intParam(url, 'limit', VERIFY_BUDGET, 1, VERIFY_BUDGET);
  if (from === undefined)
    return badRequest('from must be a seq number, 1 or more', [{ path: '?from', message: 'invalid' }]);
  if (budget === undefined)
    return badRequest(`limit must be from 1 to ${VERIFY_BUDGET}`, [{ path: '?limit', message: 'out of range' }]);
  const sweep = url.searchParams.get('sweep') ?? undefined;
  if (sweep !== undefined && (sweep === '' || sweep.length > 2_000)) {
    return badRequest('sweep must be a cursor this API gave out', [{ path: '?sweep', message: 'invalid' }]);
  }
  const result = await ctx.log.verifyChain(ctx.call, { from, budget, ...(sweep === undefined ? {} : { sweep }) });
  if (!result.ok) return problem(result.error);
  // A broken chain is a finding, not an HTTP error: 200 either way.
  return json(result.value, { headers: { 'x-event-seq': String(result.value.head) } });
}
