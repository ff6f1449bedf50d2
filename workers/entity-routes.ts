// REST for every noun: create, read, update, delete. Thin: parse and check the request against the
// noun schema, call the tenant's log once, turn its result into an answer.
import type { IRequest } from 'itty-router';
import { fieldLists } from '../domain/field-lists';
import type { NounSchema } from '../domain/noun';
import { nounByCollection } from '../domain/nouns';
import { validateFields } from '../domain/validate';
import type { CommandInput } from '../durable-objects/tenant-log';
import { entityAnswer, failureAnswer, parseIfMatch } from './answers';
import type { Env } from '../shared/env';
import { badRequest, invalidBody, problem } from './problems';
import { readJson } from './request-body';
import { idempotencyOf, tenantCall } from './tenant-call';

type Handler = (request: IRequest, env: Env) => Promise<Response>;

function nounOf(request: IRequest): NounSchema | Response {
  return nounByCollection.get(request.params['collection'] ?? '') ?? problem({ code: 'not_found', message: `no collection ${request.params['collection']}` });
}

const locator = (tenant: string, noun: NounSchema) => (id: string) => `/~${tenant}/${noun.collection}/${id}`;

export const createEntity: Handler = async (request, env) => {
  const noun = nounOf(request);
  if (noun instanceof Response) return noun;
  const tenant = request.params['tenant']!;
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx.response;
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const checked = validateFields(noun, body.value, 'create');
  if (!checked.ok) return invalidBody(checked.error, `invalid ${noun.name}`);
  return write(ctx, { kind: 'create', noun: noun.name, data: checked.value.data }, await idempotencyOf(request, body.text), locator(tenant, noun));
};

export const updateEntity: Handler = async (request, env) => {
  const noun = nounOf(request);
  if (noun instanceof Response) return noun;
  const tenant = request.params['tenant']!;
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx.response;
  const ifMatch = parseIfMatch(request.headers.get('if-match'));
  if (Number.isNaN(ifMatch)) return badRequest('If-Match must be an ETag like "3"');
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const checked = validateFields(noun, body.value, 'update', '', true);
  if (!checked.ok) return invalidBody(checked.error, `invalid ${noun.name} update`);
  const { data } = checked.value;
  const echoed = Object.keys(checked.value.echoed).length ? { echoed: checked.value.echoed } : {};
  const command: CommandInput = { kind: 'update', noun: noun.name, id: request.params['id']!, data, ...echoed, ...(ifMatch === undefined ? {} : { ifMatch }) };
  return write(ctx, command, await idempotencyOf(request, body.text), locator(tenant, noun));
};

export const deleteEntity: Handler = async (request, env) => {
  const noun = nounOf(request);
  if (noun instanceof Response) return noun;
  const tenant = request.params['tenant']!;
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx.response;
  const ifMatch = parseIfMatch(request.headers.get('if-match'));
  if (Number.isNaN(ifMatch)) return badRequest('If-Match must be an ETag like "3"');
  const command: CommandInput = { kind: 'delete', noun: noun.name, id: request.params['id']!, ...(ifMatch === undefined ? {} : { ifMatch }) };
  return write(ctx, command, await idempotencyOf(request, ''), locator(tenant, noun));
};

async function write(
  ctx: Extract<Awaited<ReturnType<typeof tenantCall>>, { ok: true }>,
  command: CommandInput,
  idempotency: Awaited<ReturnType<typeof idempotencyOf>>,
  locate: (id: string) => string,
): Promise<Response> {
  const result = await ctx.log.execute(ctx.call, command, idempotency);
  if (!result.ok) return failureAnswer(result, locate);
  const { entity, seq, created } = result.value;
  if (!entity) return new Response(null, { status: 204, headers: { 'x-event-seq': String(seq) } });
  return entityAnswer(entity, { status: created ? 201 : 200, seq, ...(created ? { location: locate(entity.$id) } : {}) });
}

export const readEntity: Handler = async (request, env) => {
  const noun = nounOf(request);
  if (noun instanceof Response) return noun;
  const tenant = request.params['tenant']!;
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx.response;
  const include = parseInclude(noun, request.query['include']);
  if (include instanceof Response) return include;
  const asOf = parseAsOf(request.query['asOf']);
  if (asOf instanceof Response) return asOf;
  const result = await ctx.log.read(ctx.call, { noun: noun.name, id: request.params['id']!, include, ...(asOf === undefined ? {} : { asOf }) });
  if (!result.ok) return failureAnswer(result, locator(tenant, noun));
  return entityAnswer(result.value.entity, { seq: result.value.seq });
};

/** `include=organization,leads`: the noun's references and inverses, by name. */
export function parseInclude(noun: NounSchema, raw: string | string[] | undefined): string[] | Response {
  if (raw === undefined) return [];
  const names = [raw].flat().flatMap((r) => r.split(',')).map((s) => s.trim()).filter(Boolean);
  const allowed = fieldLists(noun).includable;
  const unknown = names.filter((n) => !allowed.includes(n));
  if (unknown.length) return badRequest(`include takes ${allowed.join(', ')}`, unknown.map((n) => ({ path: `?include=${n}`, message: 'cannot be included' })));
  return [...new Set(names)];
}

/** `asOf=42` (a seq) or `asOf=2026-01-31T00:00:00Z` (a time). */
export function parseAsOf(raw: string | string[] | undefined): number | string | undefined | Response {
  if (raw === undefined) return undefined;
  const value = [raw].flat()[0]!;
  if (/^\d+$/.test(value)) return Number(value);
  if (!Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}/.test(value)) return new Date(value).toISOString();
  return badRequest('asOf must be a seq number or an ISO date-time', [{ path: '?asOf', message: 'is neither a seq nor a date-time' }]);
}
