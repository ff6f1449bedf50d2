// Calling a tenant's ReadModel from a route. Keys live in the tenant's log, so a tenant key is checked
// there (scope, revocation, rate limit) in parallel with the query, and the answer is released only if
// the check passed; the admin token is checked here and costs no hop.
import type { Answer } from '../durable-objects/read-model';
import type { Result, Scope } from '../durable-objects/protocol';
import { readModelOf } from '../projections/consumer';
import type { Env } from './env';
import { badRequest, problem } from './problems';
import { json } from './request-body';
import { tenantCall } from './tenant-call';

type ReadModelClient = ReturnType<typeof readModelOf>;

export type Served<T> = { readonly ok: true; readonly value: T; readonly seq: number } | { readonly ok: false; readonly response: Response };

/** Authorizes the caller and runs `query` against the tenant's read model. */
export async function serveFromReadModel<T>(
  request: Request,
  env: Env,
  tenant: string,
  scope: Scope,
  query: (model: ReadModelClient, minSeq: number) => Promise<Result<Answer<T>>>,
  fail: (result: Extract<Result<unknown>, { ok: false }>) => Response = (r) => problem(r.error),
): Promise<Served<T>> {
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx;
  const minSeq = parseMinSeq(request.headers.get('x-min-seq'));
  if (minSeq instanceof Response) return { ok: false, response: minSeq };
  const check = ctx.call.principal.kind === 'admin' ? Promise.resolve({ ok: true } as const) : ctx.log.check(ctx.call, scope);
  const answer = query(readModelOf(env, tenant), minSeq);
  answer.catch(() => undefined); // an unauthorized caller's answer is dropped, failed or not
  const allowed = await check;
  if (!allowed.ok) return { ok: false, response: problem(allowed.error) };
  const result = await answer;
  return result.ok ? { ok: true, value: result.value.value, seq: result.value.seq } : { ok: false, response: fail(result) };
}

/** Every read-model answer says which seq it reflects. */
export function projectionAnswer(body: unknown, seq: number, status = 200): Response {
  return json(body, { status, headers: { 'x-projection-seq': String(seq) } });
}

function parseMinSeq(raw: string | null): number | Response {
  if (raw === null) return 0;
  const n = Number(raw);
  return /^\d+$/.test(raw.trim()) && Number.isSafeInteger(n) ? n : badRequest('X-Min-Seq must be a seq number', [{ path: 'X-Min-Seq', message: 'is not a whole number' }]);
}
