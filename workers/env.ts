// The bindings the Worker and the Durable Objects see (wrangler.toml).
import type { TenantLog } from '../durable-objects/tenant-log';

export interface Env {
  /** Manages every tenant; a secret (`.dev.vars` locally). */
  readonly ADMIN_TOKEN: string;
  readonly TENANT_LOG: DurableObjectNamespace<TenantLog>;
  /** Optional external enrichment provider (a service binding); absent by default. */
  readonly ENRICHMENT?: Fetcher;
}
