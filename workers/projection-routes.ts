// Operating the read model: `GET /~t/projections/status` (checkpoint, head, lag) and
// `POST /~t/projections/rebuild` (admin: refill from seq 0 beside the live tables, then swap).
import type { IRequest } from 'itty-router';
import { readModelOf } from '../projections/consumer';
import type { Env } from '../shared/env';
import { problem } from './problems';
import { projectionAnswer } from './read-model-call';
import { tenantCall } from './tenant-call';

export const projectionStatus = (request: IRequest, env: Env, execution: ExecutionContext) =>
  operate(request, env, 'read', execution);
export const projectionRebuild = (request: IRequest, env: Env) => operate(request, env, 'admin');

// The rebuild changes state, so the caller is checked before it starts, not beside it.
async function operate(request: IRequest, env: Env, scope: 'read' | 'admin', execution?: ExecutionContext) {
  const tenant = request.params['tenant']!;
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx.response;
  if (ctx.call.principal.kind !== 'admin') {
    const allowed = await ctx.log.check(ctx.call, scope);
    if (!allowed.ok) return problem(allowed.error);
  }
  const model = readModelOf(env, tenant);
  const result = scope === 'admin' ? await model.rebuild(tenant) : await model.status(tenant);
  if (!result.ok) return problem(result.error);
  // A status that shows a lag also starts a catch-up, answered as it was seen: nudges the queue lost (in flight
  // when the process died, or dead-lettered) would otherwise leave the model behind until the next read.
  if (execution && result.value.lag > 0) execution.waitUntil(model.catchUp(tenant).catch(() => undefined));
  return projectionAnswer(result.value, result.value.checkpoint, scope === 'admin' ? 202 : 200);
}
