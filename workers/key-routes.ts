// Tenant API keys (admin): `POST /~t/keys {name, scopes, rateLimit?}` shows the secret once.
import type { IRequest } from 'itty-router';
import { isPlainObject } from '../domain/validate';
import type { Scope } from '../shared/protocol';
import { newKeySecret } from './auth';
import { sha256 } from './digest';
import type { Env } from '../shared/env';
import { problem } from './problems';
import { json, readJson } from './request-body';
import { tenantCall } from './tenant-call';

const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

export async function createKey(request: IRequest, env: Env): Promise<Response> {
  const tenant = request.params['tenant']!;
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx.response;
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const input = checkKeyInput(body.value);
  if (input instanceof Response) return input;
  const secret = await newKeySecret(tenant, env);
  if (!secret) return problem({ code: 'unavailable', message: 'no key secret: set KEY_SECRET (or ADMIN_TOKEN)' });
  const result = await ctx.log.createKey(ctx.call, { ...input, hash: await sha256(secret) });
  if (!result.ok) return problem(result.error);
  return json(
    { ...result.value, key: secret },
    { status: 201, headers: { location: `/~${tenant}/keys/${result.value.id}` } },
  );
}

export async function listKeys(request: IRequest, env: Env): Promise<Response> {
  const ctx = await tenantCall(request, env, request.params['tenant']!);
  if (!ctx.ok) return ctx.response;
  const result = await ctx.log.listKeys(ctx.call);
  return result.ok ? json({ data: result.value, next: null }) : problem(result.error);
}

export async function revokeKey(request: IRequest, env: Env): Promise<Response> {
  const ctx = await tenantCall(request, env, request.params['tenant']!);
  if (!ctx.ok) return ctx.response;
  const result = await ctx.log.revokeKey(ctx.call, request.params['id']!);
  return result.ok ? new Response(null, { status: 204 }) : problem(result.error);
}

function checkKeyInput(value: unknown): { name: string; scopes: Scope[]; rateLimit?: number } | Response {
  const errors: { path: string; message: string }[] = [];
  if (!isPlainObject(value)) return problem({ code: 'bad_request', message: 'send {name, scopes, rateLimit?}' });
  const unknown = Object.keys(value).filter((k) => !['name', 'scopes', 'rateLimit'].includes(k));
  if (unknown.length)
    return problem({
      code: 'bad_request',
      message: 'unknown fields',
      errors: unknown.map((k) => ({ path: `/${k}`, message: 'is not a key field' })),
    });
  const { name, scopes, rateLimit } = value;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100)
    errors.push({ path: '/name', message: 'must be a string of 1 to 100 characters' });
  if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => SCOPES.includes(s as Scope)))
    errors.push({ path: '/scopes', message: `must be a non-empty list of ${SCOPES.join(', ')}` });
  if (
    rateLimit !== undefined &&
    (!Number.isInteger(rateLimit) || (rateLimit as number) < 1 || (rateLimit as number) > 1_000_000)
  )
    errors.push({ path: '/rateLimit', message: 'must be a whole number of requests a minute, 1 to 1000000' });
  if (errors.length) return problem({ code: 'invalid', message: 'invalid key request', errors });
  return {
    name: (name as string).trim(),
    scopes: [...new Set(scopes as Scope[])],
    ...(rateLimit === undefined ? {} : { rateLimit: rateLimit as number }),
  };
}
