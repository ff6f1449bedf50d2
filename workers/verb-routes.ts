// The Contact verbs over HTTP (DESIGN §4): `POST /~t/contacts/{id}/{qualify|assign|merge|enrich}`
// → 200 with the contact, `POST /~t/contacts/capture` → 201 new / 200 matched; plus the score
// breakdown and field provenance reads. Thin: check the body, call the log, shape the answer.
import type { IRequest } from 'itty-router';
import type { NounSchema } from '../domain/noun';
import { Contact, NOUNS } from '../domain/nouns';
import { draftCommand, type CommandDraft } from '../domain/verbs/drafts';
import { failureAnswer, writeAnswer } from './answers';
import { enrichWithProvider } from './enrichment-provider';
import type { Env } from '../shared/env';
import { locator } from './noun-route';
import { invalidBody } from './problems';
import { json, readJson } from './request-body';
import { idempotencyOf, tenantCall } from './tenant-call';

type Handler = (request: IRequest, env: Env) => Promise<Response>;

/** A verb's handler for one noun: `verb` is read off the schema, never restated. */
export function verbHandler(noun: NounSchema, verb: string): Handler {
  return async (request, env) => {
    const tenant = request.params['tenant']!;
    const ctx = await tenantCall(request, env, tenant);
    if (!ctx.ok) return ctx.response;
    const body = await readJson(request, verb === 'qualify');
    if (!body.ok) return body.response;
    const id = verb === 'capture' ? undefined : request.params['id']!;
    const checked = draftCommand(noun, verb, id, body.value);
    if (!checked.ok) return invalidBody(checked.error, `invalid ${verb}`);
    const idempotency = await idempotencyOf(request, body.text);
    const log = ctx.log;
    if (checked.value.kind === 'enrich' && env.ENRICHMENT)
      return enrichWithProvider(env.ENRICHMENT, log, ctx.call, checked.value, idempotency, locator(tenant, noun));
    return writeAnswer(await log.execute(ctx.call, checked.value as CommandDraft, idempotency), locator(tenant, noun));
  };
}

/** Routes for every declared verb of every noun; capture addresses the collection, not an id. */
export function verbRoutes(): [path: string, methods: Record<string, Handler>][] {
  return NOUNS.flatMap((noun) =>
    Object.keys(noun.verbs).map((verb): [string, Record<string, Handler>] =>
      verb === 'capture'
        ? [`/~:tenant/${noun.collection}/capture`, { POST: verbHandler(noun, verb) }]
        : [`/~:tenant/${noun.collection}/:id/${verb}`, { POST: verbHandler(noun, verb) }],
    ),
  );
}

export const readScore: Handler = async (request, env) => {
  const tenant = request.params['tenant']!;
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx.response;
  const result = await ctx.log.score(ctx.call, request.params['id']!);
  if (!result.ok) return failureAnswer(result, (id) => `${locator(tenant, Contact)(id)}/score`);
  const { seq, lines, ...score } = result.value;
  const group = (name: string) => lines.filter((l) => l.group === name).map(({ rule, points }) => ({ rule, points }));
  return json(
    { ...score, breakdown: { fit: group('fit'), engagement: group('engagement'), penalties: group('penalty') } },
    { headers: { 'x-event-seq': String(seq) } },
  );
};

export const readProvenance: Handler = async (request, env) => {
  const tenant = request.params['tenant']!;
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx.response;
  const result = await ctx.log.provenance(ctx.call, request.params['id']!);
  if (!result.ok) return failureAnswer(result, (id) => `${locator(tenant, Contact)(id)}/provenance`);
  return json(result.value);
};
