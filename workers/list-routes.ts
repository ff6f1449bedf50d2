// Listing a collection: `GET /~t/contacts?stage=Qualified&limit=50&cursor=…`, equality filters on
// stored fields, id order, opaque cursor. Served from the tenant's log until the read model answers.
import type { IRequest } from 'itty-router';
import type { NounSchema } from '../domain/noun';
import { nounByCollection } from '../domain/nouns';
import type { Env } from './env';
import { badRequest, problem } from './problems';
import { json } from './request-body';
import { tenantCall } from './tenant-call';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1_000;
const RESERVED = new Set(['limit', 'cursor', 'sort', 'include']);

export async function listEntities(request: IRequest, env: Env): Promise<Response> {
  const noun = nounByCollection.get(request.params['collection'] ?? '');
  if (!noun) return problem({ code: 'not_found', message: `no collection ${request.params['collection']}` });
  const url = new URL(request.url);
  const limit = parseLimit(url.searchParams.get('limit'));
  if (limit instanceof Response) return limit;
  const equals = parseEquals(noun, url.searchParams);
  if (equals instanceof Response) return equals;
  const after = decodeCursor(url.searchParams.get('cursor'));
  if (after instanceof Response) return after;
  const ctx = await tenantCall(request, env, request.params['tenant']!);
  if (!ctx.ok) return ctx.response;
  const result = await ctx.log.list(ctx.call, { noun: noun.name, equals, after, limit: limit + 1 });
  if (!result.ok) return problem(result.error);
  const page = result.value.entities.slice(0, limit);
  const next = result.value.entities.length > limit ? encodeCursor(page.at(-1)!.$id) : null;
  return json({ data: page, next }, { headers: { 'x-event-seq': String(result.value.seq) } });
}

function parseLimit(raw: string | null): number | Response {
  if (raw === null) return DEFAULT_LIMIT;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= MAX_LIMIT ? n : badRequest(`limit must be a whole number from 1 to ${MAX_LIMIT}`, [{ path: '?limit', message: 'out of range' }]);
}

function parseEquals(noun: NounSchema, params: URLSearchParams): Record<string, string | number | boolean> | Response {
  const equals: Record<string, string | number | boolean> = {};
  for (const [key, value] of params) {
    if (RESERVED.has(key)) continue;
    const spec = noun.fields[key];
    if (!spec || spec.kind === 'inverse') return badRequest(`cannot filter ${noun.collection} by ${key}`, [{ path: `?${key}`, message: 'is not a stored field' }]);
    if (spec.kind === 'scalar' && spec.base === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) return badRequest(`${key} must be a number`, [{ path: `?${key}`, message: 'must be a number' }]);
      equals[key] = n;
    } else if (spec.kind === 'scalar' && spec.base === 'boolean') {
      if (value !== 'true' && value !== 'false') return badRequest(`${key} must be true or false`, [{ path: `?${key}`, message: 'must be true or false' }]);
      equals[key] = value === 'true';
    } else if (spec.kind === 'enum' && !spec.values.includes(value)) {
      return badRequest(`${key} must be one of ${spec.values.join(', ')}`, [{ path: `?${key}`, message: `must be one of ${spec.values.join(', ')}` }]);
    } else equals[key] = value;
  }
  return equals;
}

export function encodeCursor(id: string): string {
  return btoa(JSON.stringify({ after: id })).replace(/=+$/, '');
}

function decodeCursor(raw: string | null): string | Response {
  if (raw === null) return '';
  try {
    const parsed = JSON.parse(atob(raw)) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the problem
  }
  return badRequest('cursor is not one this API gave out', [{ path: '?cursor', message: 'invalid cursor' }]);
}
