// The log as CloudEvents: `GET /~t/events?after=seq&limit=&types=Contact.*,*.Created`. Pull subscribers
// page with `next`; `Accept: application/x-ndjson` streams the page as one CloudEvent per line.
import type { IRequest } from 'itty-router';
import { toCloudEvent } from '../domain/cloudevent';
import { parseTypeList } from '../domain/type-patterns';
import type { Env } from '../shared/env';
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
  // `type=` (one exact type) is the older spelling of `types=`.
  const types = parseTypeList(url.searchParams.get('types') ?? url.searchParams.get('type'));
  if (!Number.isSafeInteger(after) || after < 0)
    return badRequest('after must be a seq number, 0 or more', [{ path: '?after', message: 'invalid' }]);
  if (!Number.isInteger(limit) || limit < 1 || limit > EVENTS_MAX_LIMIT)
    return badRequest(`limit must be from 1 to ${EVENTS_MAX_LIMIT}`, [{ path: '?limit', message: 'out of range' }]);
  if (!types.ok) return badRequest(types.error, [{ path: '?types', message: 'invalid' }]);
  const result = await ctx.log.events(ctx.call, { after, limit, types: types.value });
  if (!result.ok) return problem(result.error);
  const { events, head } = result.value;
  const next = events.length === limit ? String(events.at(-1)!.seq) : null;
  const headers: Record<string, string> = { 'x-event-seq': String(head) };
  if (wantsNdjson(request)) {
    if (next) headers['x-next-after'] = next;
    return ndjson(
      events.map((e) => toCloudEvent(tenant, e)),
      headers,
    );
  }
  return json({ data: events.map((e) => toCloudEvent(tenant, e)), next }, { headers });
}

function wantsNdjson(request: Request): boolean {
  return /application\/x-ndjson/i.test(request.headers.get('accept') ?? '');
}

// Written line by line, so a client starts on the first event before the last is encoded.
function ndjson(items: readonly unknown[], headers: Record<string, string>): Response {
  const encoder = new TextEncoder();
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = items
        .slice(i, i + 100)
        .map((item) => `${JSON.stringify(item)}\n`)
        .join('');
      i += 100;
      if (chunk) controller.enqueue(encoder.encode(chunk));
      if (i >= items.length) controller.close();
    },
  });
  return new Response(body, { headers: { ...headers, 'content-type': 'application/x-ndjson; charset=utf-8' } });
}
