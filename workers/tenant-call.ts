// The per-request context every tenant route starts from: a valid tenant name, a known caller, and the
// stub of that tenant's log. Nothing else of the request is read before the caller is known.
import { idOf } from '../shared/durable-ids';
import type { CallContext, Idempotency, RateState } from '../shared/protocol';
import type { TenantLog } from '../durable-objects/tenant-log';

import { identify } from './auth';
import { sha256 } from './digest';
import type { Env } from '../shared/env';
import { noteRate } from './rate-headers';
import { badRequest, problem } from './problems';

/** The log's RPC surface, typed from the class itself (the stub's generated types lose result unions). */
export type LogClient = Pick<
  TenantLog,
  | 'execute'
  | 'read'
  | 'batch'
  | 'events'
  | 'pull'
  | 'ping'
  | 'check'
  | 'createKey'
  | 'listKeys'
  | 'revokeKey'
  | 'score'
  | 'provenance'
  | 'settings'
  | 'updateSettings'
  | 'hookStatus'
  | 'entityEvents'
  | 'fieldHistory'
  | 'verifyChain'
  | 'exportPage'
  | 'head'
  | 'importBegin'
  | 'importPage'
  | 'importCommit'
  | 'importAbort'
  | 'erase'
>;

export function logOf(env: Env, tenant: string): LogClient {
  return env.TENANT_LOG.get(idOf(env.TENANT_LOG, tenant)) as unknown as LogClient;
}

export const TENANT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Longer Idempotency-Keys are refused (400), never cut: two keys sharing a prefix must stay two keys. */
export const MAX_IDEMPOTENCY_KEY = 255;

export type TenantCall =
  | { readonly ok: true; readonly call: CallContext; readonly log: LogClient }
  | { readonly ok: false; readonly response: Response };

export async function tenantCall(request: Request, env: Env, tenant: string): Promise<TenantCall> {
  if (!TENANT_NAME.test(tenant))
    return { ok: false, response: problem({ code: 'not_found', message: `"${tenant}" is not a tenant name` }) };
  const who = await identify(request, tenant, env);
  if (!who.ok) return { ok: false, response: problem({ code: 'unauthorized', message: who.error }) };
  const key = request.headers.get('idempotency-key');
  if (key !== null && (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY))
    return {
      ok: false,
      response: badRequest(`Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} characters`, [
        { path: 'Idempotency-Key', message: `is ${key.length} characters` },
      ]),
    };
  const requestId = request.headers.get('x-request-id') ?? undefined;
  return {
    ok: true,
    call: { tenant, principal: who.value, ...(requestId ? { requestId: requestId.slice(0, 200) } : {}) },
    log: who.value.kind === 'key' ? reportingRate(logOf(env, tenant), request) : logOf(env, tenant),
  };
}

/** The Idempotency-Key of a write (checked by tenantCall), with the fingerprint of its first request. */
export async function idempotencyOf(request: Request, bodyText: string): Promise<Idempotency | undefined> {
  const key = request.headers.get('idempotency-key');
  if (!key) return undefined;
  const url = new URL(request.url);
  return { key, fingerprint: await sha256(`${request.method} ${url.pathname}${url.search}\n${bodyText}`) };
}

// A key's answers carry its rate-limit state (RateLimit headers): every result the log returns for this
// request is noted against the request, and the router adds the headers to whatever answer goes out.
function reportingRate(log: LogClient, request: Request): LogClient {
  return new Proxy(log, {
    get(target, name) {
      const stub = target as unknown as Record<string | symbol, unknown>;
      if (typeof stub[name] !== 'function') return stub[name];
      // Called on the stub itself: an RPC method stub has no `apply` of its own.
      return async (...args: unknown[]) => {
        const result = (await (stub[name] as (...a: unknown[]) => Promise<unknown>)(...args)) as
          | { rate?: RateState; error?: { rate?: RateState } }
          | undefined;
        const rate = result?.rate ?? result?.error?.rate;
        if (rate) noteRate(request, rate);
        return result;
      };
    },
  });
}
