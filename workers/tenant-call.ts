// The per-request context every tenant route starts from: a valid tenant name, a known caller, and the
// stub of that tenant's log.
import type { CallContext, Idempotency } from '../durable-objects/protocol';
import type { TenantLog } from '../durable-objects/tenant-log';

import { identify } from './auth';
import { sha256 } from './digest';
import type { Env } from './env';
import { problem } from './problems';

/** The log's RPC surface, typed from the class itself (the stub's generated types lose result unions). */
export type LogClient = Pick<
  TenantLog,
  | 'execute' | 'read' | 'batch' | 'events' | 'pull' | 'ping' | 'check'
  | 'createKey' | 'listKeys' | 'revokeKey'
  | 'score' | 'provenance' | 'settings' | 'updateSettings' | 'hookStatus'
  | 'entityEvents' | 'fieldHistory' | 'verifyChain'
  | 'exportPage' | 'head' | 'importBegin' | 'importPage' | 'importCommit' | 'importAbort' | 'erase'
>;

export function logOf(env: Env, tenant: string): LogClient {
  return env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant)) as unknown as LogClient;
}

export const TENANT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export type TenantCall =
  | { readonly ok: true; readonly call: CallContext; readonly log: LogClient }
  | { readonly ok: false; readonly response: Response };

export async function tenantCall(request: Request, env: Env, tenant: string): Promise<TenantCall> {
  if (!TENANT_NAME.test(tenant)) return { ok: false, response: problem({ code: 'not_found', message: `"${tenant}" is not a tenant name` }) };
  const who = await identify(request, tenant, env.ADMIN_TOKEN);
  if (!who.ok) return { ok: false, response: problem({ code: 'unauthorized', message: who.message }) };
  const requestId = request.headers.get('x-request-id') ?? undefined;
  return {
    ok: true,
    call: { tenant, principal: who.principal, ...(requestId ? { requestId: requestId.slice(0, 200) } : {}) },
    log: logOf(env, tenant),
  };
}

/** The Idempotency-Key of a write, with the fingerprint of the request it was first used for. */
export async function idempotencyOf(request: Request, bodyText: string): Promise<Idempotency | undefined> {
  const key = request.headers.get('idempotency-key');
  if (!key) return undefined;
  const url = new URL(request.url);
  return { key: key.slice(0, 255), fingerprint: await sha256(`${request.method} ${url.pathname}${url.search}\n${bodyText}`) };
}
