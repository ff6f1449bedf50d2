// REST for every noun: create, read, update, delete. Thin: parse and check the request against the
// noun schema, call the tenant's log once, turn its result into an answer.
import type { IRequest } from 'itty-router';
import { fieldLists } from '../domain/field-lists';
import type { NounSchema } from '../domain/noun';
import { validateFields } from '../domain/validate';
import type { CommandInput } from '../durable-objects/tenant-log';
import { entityAnswer, failureAnswer, parseIfMatch, writeAnswer } from './answers';
import { nounRoute, type NounRoute } from './noun-route';
import type { Env } from '../shared/env';
import type { Idempotency } from '../shared/protocol';
import { badRequest, invalidBody } from './problems';
import { readJson } from './request-body';
import { idempotencyOf } from './tenant-call';

type Handler = (request: IRequest, env: Env) => Promise<Response>;

/** The If-Match version of a write, undefined when absent or `*`. */
function ifMatchOf(request: IRequest): number | undefined | Response {
  const ifMatch = parseIfMatch(request.headers.get('if-match'));
  return Number.isNaN(ifMatch) ? badRequest('If-Match must be an ETag like "3"') : ifMatch;
}

export const createEntity: Handler = async (request, env) => {
  const route = await nounRoute(request, env);
  if (route instanceof Response) return route;
  const { noun } = route;
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const checked = validateFields(noun, body.value, 'create');
  if (!checked.ok) return invalidBody(checked.error, `invalid ${noun.name}`);
  const command: CommandInput = { kind: 'create', noun: noun.name, data: checked.value.data };
  return write(route, command, await idempotencyOf(request, body.text));
};

export const updateEntity: Handler = async (request, env) => {
  const route = await nounRoute(request, env);
  if (route instanceof Response) return route;
  const { noun } = route;
  const ifMatch = ifMatchOf(request);
  if (ifMatch instanceof Response) return ifMatch;
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const checked = validateFields(noun, body.value, 'update', '', true);
  if (!checked.ok) return invalidBody(checked.error, `invalid ${noun.name} update`);
  const { data } = checked.value;
  const echoed = Object.keys(checked.value.echoed).length ? { echoed: checked.value.echoed } : {};
  const command: CommandInput = {
    kind: 'update',
    noun: noun.name,
    id: request.params['id']!,
    data,
    ...echoed,
    ...(ifMatch === undefined ? {} : { ifMatch }),
  };
  return write(route, command, await idempotencyOf(request, body.text));
};

export const deleteEntity: Handler = async (request, env) => {
  const route = await nounRoute(request, env);
  if (route instanceof Response) return route;
  const { noun } = route;
  const ifMatch = ifMatchOf(request);
  if (ifMatch instanceof Response) return ifMatch;
  const command: CommandInput = {
    kind: 'delete',
    noun: noun.name,
    id: request.params['id']!,
    ...(ifMatch === undefined ? {} : { ifMatch }),
  };
  return write(route, command, await idempotencyOf(request, ''));
};

/** Runs one command on the tenant's log and answers it. */
async function write({ ctx, locate }: NounRoute, command: CommandInput, idempotency?: Idempotency): Promise<Response> {
  return writeAnswer(await ctx.log.execute(ctx.call, command, idempotency), locate);
}

export const readEntity: Handler = async (request, env) => {
  const route = await nounRoute(request, env);
  if (route instanceof Response) return route;
  const { noun, ctx, locate } = route;
  const include = parseInclude(noun, request.query['include']);
  if (include instanceof Response) return include;
  const asOf = parseAsOf(request.query['asOf']);
  if (asOf instanceof Response) return asOf;
  const result = await ctx.log.read(ctx.call, {
    noun: noun.name,
    id: request.params['id']!,
    include,
    ...(asOf === undefined ? {} : { asOf }),
  });
  if (!result.ok) return failureAnswer(result, locate);
  return entityAnswer(result.value.entity, { seq: result.value.seq });
};

/** `include=organization,leads`: the noun's references and inverses, by name. */
export function parseInclude(noun: NounSchema, raw: string | string[] | undefined): string[] | Response {
  if (raw === undefined) return [];
  const names = [raw]
    .flat()
    .flatMap((r) => r.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const allowed = fieldLists(noun).includable;
  const unknown = names.filter((n) => !allowed.includes(n));
  if (unknown.length)
    return badRequest(
      `include takes ${allowed.join(', ')}`,
      unknown.map((n) => ({ path: `?include=${n}`, message: 'cannot be included' })),
    );
  return [...new Set(names)];
}

/** `asOf=42` (a seq) or `asOf=2026-01-31T00:00:00Z` (a time). */
export function parseAsOf(raw: string | string[] | undefined): number | string | undefined | Response {
  if (raw === undefined) return undefined;
  const value = [raw].flat()[0]!;
  if (/^\d+$/.test(value)) return Number(value);
  if (!Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}/.test(value)) return new Date(value).toISOString();
  return badRequest('asOf must be a seq number or an ISO date-time', [
    { path: '?asOf', message: 'is neither a seq nor a date-time' },
  ]);
}
