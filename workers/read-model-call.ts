// Calling a tenant's ReadModel from a route. Keys live in the tenant's log, so a tenant key is checked
// there (scope, revocation, rate limit) before anything else of the request is read or the read model
// is touched: a refused caller parses nothing and waits on nothing (X-Min-Seq). The admin token is
// checked at the edge and costs no hop.
import type { Answer } from '../durable-objects/read-model';
import type { Result, Scope } from '../shared/protocol';
import { readModelOf } from '../projections/consumer';
import type { Env } from '../shared/env';
import { badRequest, problem } from './problems';
import { json } from './request-body';
import { tenantCall } from './tenant-call';

type ReadModelClient = ReturnType<typeof readModelOf>;

export type Served<T> =
  | { readonly ok: true; readonly value: T; readonly seq: number }
  | { readonly ok: false; readonly response: Response };

/** The caller, checked for `scope`, or the answer that refuses it. */
export async function authorizeReader(
  request: Request,
  env: Env,
  tenant: string,
  scope: Scope,
): Promise<Response | undefined> {
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx.response;
  if (ctx.call.principal.kind === 'admin') return undefined;
  const allowed = await ctx.log.check(ctx.call, scope);
  return allowed.ok ? undefined : problem(allowed.error);
}

/** Runs `query` against the tenant's read model, for a caller authorizeReader let through. */
export async function serveFromReadModel<T>(
  request: Request,
  env: Env,
  tenant: string,
  query: (model: ReadModelClient, minSeq: number) => Promise<Result<Answer<T>>>,
  fail: (result: Extract<Result<unknown>, { ok: false }>) => Response = (r) => problem(r.error),
): Promise<Served<T>> {
  const minSeq = parseMinSeq(request.headers.get('x-min-seq'));
  if (minSeq instanceof Response) return { ok: false, response: minSeq };
  const result = await query(readModelOf(env, tenant), minSeq);
  return result.ok
    ? { ok: true, value: result.value.value, seq: result.value.seq }
    : { ok: false, response: fail(result) };
}

/** Every read-model answer says which seq it reflects. */
export function projectionAnswer(body: unknown, seq: number, status = 200): Response {
  return json(body, { status, headers: { 'x-projection-seq': String(seq) } });
}

function parseMinSeq(raw: string | null): number | Response {
  if (raw === null) return 0;
  const n = Number(raw);
  return /^\d+$/.test(raw.trim()) && Number.isSafeInteger(n)
    ? n
    : badRequest('X-Min-Seq must be a seq number', [{ path: 'X-Min-Seq', message: 'is not a whole number' }]);
}
