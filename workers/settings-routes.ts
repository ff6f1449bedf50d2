// Tenant settings: `GET /~t/settings` (read), `PATCH /~t/settings` (admin) appends Settings.Updated;
// and the after-hook bookkeeping an operator reads.
import type { IRequest } from 'itty-router';
import { validateSettingsPatch } from '../domain/settings';
import type { SettingsOutcome } from '../durable-objects/lifecycle-rpc';
import type { Result } from '../shared/protocol';
import type { Env } from '../shared/env';
import { invalidBody, problem } from './problems';
import { json, readJson } from './request-body';
import { idempotencyOf, tenantCall } from './tenant-call';

export async function readSettings(request: IRequest, env: Env): Promise<Response> {
  const ctx = await tenantCall(request, env, request.params['tenant']!);
  if (!ctx.ok) return ctx.response;
  const result = await ctx.log.settings(ctx.call);
  return settingsAnswer(result);
}

export async function patchSettings(request: IRequest, env: Env): Promise<Response> {
  const ctx = await tenantCall(request, env, request.params['tenant']!);
  if (!ctx.ok) return ctx.response;
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const checked = validateSettingsPatch(body.value);
  if (!checked.ok) return invalidBody(checked.error, 'invalid settings');
  const result = await ctx.log.updateSettings(ctx.call, checked.value, await idempotencyOf(request, body.text));
  return settingsAnswer(result);
}

/** `GET /~t/hooks`: after-hook jobs by status (pending, done, abandoned), for operators. */
export async function readHookStatus(request: IRequest, env: Env): Promise<Response> {
  const ctx = await tenantCall(request, env, request.params['tenant']!);
  if (!ctx.ok) return ctx.response;
  const result = await ctx.log.hookStatus(ctx.call);
  if (!result.ok) return problem(result.error);
  return json({ pending: 0, done: 0, abandoned: 0, ...result.value });
}

function settingsAnswer(result: Result<SettingsOutcome>): Response {
  if (!result.ok) return problem(result.error);
  const { seq, ...settings } = result.value;
  return json(settings, { headers: { 'x-event-seq': String(seq), etag: `"${settings.$version}"` } });
}
