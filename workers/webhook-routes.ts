// Webhook subscriptions (admin): `POST /~t/webhooks {url, types, description?, retryDelays?}` → 201 with
// the secret once; `GET /~t/webhooks`, `GET|PATCH|DELETE /~t/webhooks/{id}`; deliveries listed at
// `GET /~t/webhooks/{id}/deliveries`, sent again by `POST …/deliveries/{deliveryId}/redeliver`.
import type { IRequest } from 'itty-router';
import { isPlainObject } from '../domain/validate';
import { parseTypePatterns, type TypePatterns } from '../domain/type-patterns';
import type { WriteBy } from '../durable-objects/webhook-service';
import type { WebhookPatch } from '../durable-objects/webhook-store';
import { hubOf } from './webhook-consumer';
import type { Env } from '../shared/env';
import { badRequest, invalidBody, problem } from './problems';
import { json, readJson } from './request-body';
import { idempotencyOf, tenantCall } from './tenant-call';
import { newWebhookSecret } from './webhook-signature';
import { checkWebhookTarget } from './webhook-target';

const MAX_DELAY_S = 43_200; // a queue message can be delayed 12 hours at most
type Problem = { path: string; message: string };

export async function createWebhook(request: IRequest, env: Env): Promise<Response> {
  const admin = await asAdmin(request, env);
  if (!admin.ok) return admin.response;
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const input = await checkInput(body.value, env, true);
  if (input instanceof Response) return input;
  const secret = newWebhookSecret();
  const { url, types, description, retryDelays } = input;
  const result = await hubOf(env, admin.tenant).createWebhook(
    admin.tenant,
    { url: url!, types: types!, secret, description: description ?? undefined, retryDelays },
    await writeBy(admin, request, body.text),
  );
  if (!result.ok) return problem(result.error);
  // A replayed creation answers the first one's id and secret.
  return json(result.value, { status: 201, headers: { location: `/~${admin.tenant}/webhooks/${result.value.id}` } });
}

export async function listWebhooks(request: IRequest, env: Env): Promise<Response> {
  const admin = await asAdmin(request, env);
  if (!admin.ok) return admin.response;
  return json({ data: await hubOf(env, admin.tenant).listWebhooks(), next: null });
}

export async function readWebhook(request: IRequest, env: Env): Promise<Response> {
  const admin = await asAdmin(request, env);
  if (!admin.ok) return admin.response;
  const result = await hubOf(env, admin.tenant).getWebhook(request.params['id']!);
  return result.ok ? json(result.value) : problem(result.error);
}

export async function updateWebhook(request: IRequest, env: Env): Promise<Response> {
  const admin = await asAdmin(request, env);
  if (!admin.ok) return admin.response;
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const input = await checkInput(body.value, env, false);
  if (input instanceof Response) return input;
  const { rotateSecret, ...patch } = input;
  const secret = rotateSecret ? newWebhookSecret() : undefined;
  const result = await hubOf(env, admin.tenant).updateWebhook(
    request.params['id']!,
    { ...(patch as WebhookPatch), ...(secret ? { secret } : {}) },
    await writeBy(admin, request, body.text),
  );
  return result.ok ? json(result.value) : problem(result.error);
}

export async function deleteWebhook(request: IRequest, env: Env): Promise<Response> {
  const admin = await asAdmin(request, env);
  if (!admin.ok) return admin.response;
  const by = await writeBy(admin, request, '');
  const result = await hubOf(env, admin.tenant).deleteWebhook(request.params['id']!, by);
  return result.ok ? new Response(null, { status: 204 }) : problem(result.error);
}

export async function listDeliveries(request: IRequest, env: Env): Promise<Response> {
  const admin = await asAdmin(request, env);
  if (!admin.ok) return admin.response;
  const url = new URL(request.url);
  const limit = Number(url.searchParams.get('limit') ?? '50');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    return badRequest('limit must be from 1 to 100', [{ path: '?limit', message: 'out of range' }]);
  const before = url.searchParams.get('before') ?? undefined;
  const result = await hubOf(env, admin.tenant).deliveries(request.params['id']!, limit, before);
  return result.ok ? json(result.value) : problem(result.error);
}

export async function redeliver(request: IRequest, env: Env): Promise<Response> {
  const admin = await asAdmin(request, env);
  if (!admin.ok) return admin.response;
  const by = await writeBy(admin, request, '');
  const result = await hubOf(env, admin.tenant).redeliver(request.params['id']!, request.params['deliveryId']!, by);
  return result.ok ? json(result.value, { status: 202 }) : problem(result.error);
}

type Admin = { ok: true; tenant: string; actor: string } | { ok: false; response: Response };

async function asAdmin(request: IRequest, env: Env): Promise<Admin> {
  const tenant = request.params['tenant']!;
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx;
  if (ctx.call.principal.kind === 'admin') return { ok: true, tenant, actor: 'admin' };
  const allowed = await ctx.log.check(ctx.call, 'admin');
  return allowed.ok
    ? { ok: true, tenant, actor: allowed.value.actor }
    : { ok: false, response: problem(allowed.error) };
}

/** The writer and the request's Idempotency-Key: a retried write replays its first answer. */
async function writeBy(admin: { actor: string }, request: Request, bodyText: string): Promise<WriteBy> {
  const idempotency = await idempotencyOf(request, bodyText);
  return { actor: admin.actor, ...(idempotency ? { idempotency } : {}) };
}

interface Input {
  url?: string;
  types?: TypePatterns;
  description?: string | null;
  retryDelays?: number[];
  enabled?: boolean;
  rotateSecret?: boolean;
}

const CREATE_FIELDS = ['url', 'types', 'description', 'retryDelays'];
const PATCH_FIELDS = [...CREATE_FIELDS, 'enabled', 'rotateSecret'];

async function checkInput(value: unknown, env: Env, creating: boolean): Promise<Input | Response> {
  if (!isPlainObject(value))
    return badRequest(creating ? 'send {url, types, description?, retryDelays?}' : 'send a JSON object');
  const known = creating ? CREATE_FIELDS : PATCH_FIELDS;
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length)
    return invalidBody(
      { code: 'bad_request', errors: unknown.map((k) => ({ path: `/${k}`, message: 'is not a webhook field' })) },
      'unknown fields',
    );
  const errors: Problem[] = [];
  const input: Input = {};
  const { url, types, description, retryDelays, enabled, rotateSecret } = value;
  if (url !== undefined || creating) {
    if (typeof url !== 'string' || url.length > 2_000)
      errors.push({ path: '/url', message: 'must be a URL of at most 2000 characters' });
    else {
      const target = await checkWebhookTarget(url, env);
      if (target.ok) input.url = target.url.href;
      else errors.push({ path: '/url', message: target.message });
    }
  }
  if (types !== undefined || creating) {
    const parsed =
      Array.isArray(types) && types.length > 0
        ? parseTypePatterns(types)
        : ({ ok: false, error: 'must be a non-empty list of type patterns' } as const);
    if (parsed.ok) input.types = parsed.value;
    else errors.push({ path: '/types', message: parsed.error });
  }
  if (description !== undefined) {
    if (description === null && !creating) input.description = null;
    else if (typeof description === 'string' && description.length <= 500) input.description = description;
    else errors.push({ path: '/description', message: 'must be a string of at most 500 characters' });
  }
  if (retryDelays !== undefined) {
    if (
      Array.isArray(retryDelays) &&
      retryDelays.length <= 20 &&
      retryDelays.every((d) => Number.isInteger(d) && d >= 0 && d <= MAX_DELAY_S)
    )
      input.retryDelays = retryDelays as number[];
    else
      errors.push({
        path: '/retryDelays',
        message: `must be a list of at most 20 whole seconds, 0 to ${MAX_DELAY_S} each`,
      });
  }
  if (enabled !== undefined) {
    if (typeof enabled === 'boolean') input.enabled = enabled;
    else errors.push({ path: '/enabled', message: 'must be true or false' });
  }
  if (rotateSecret !== undefined) {
    if (rotateSecret === true) input.rotateSecret = true;
    else errors.push({ path: '/rotateSecret', message: 'must be true' });
  }
  if (errors.length) return invalidBody({ code: 'invalid', errors }, 'invalid webhook');
  return input;
}
