// The lifecycle RPC surface of a tenant's log, typed from the class (as LogClient is), and the
// answers shared by verb and batch routes.
import type { TenantLog } from '../durable-objects/tenant-log';
import type { TenantCall } from './tenant-call';

export type LifecycleClient = Pick<TenantLog, 'execute' | 'read' | 'batch' | 'score' | 'provenance' | 'settings' | 'updateSettings' | 'hookStatus'>;

export function lifecycleOf(ctx: Extract<TenantCall, { ok: true }>): LifecycleClient {
  return ctx.log as unknown as LifecycleClient;
}
