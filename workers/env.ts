// The bindings the Worker and the Durable Objects see (wrangler.toml).
import type { OutboxMessage } from '../durable-objects/outbox';
import type { ReadModel } from '../durable-objects/read-model';
import type { TenantLog } from '../durable-objects/tenant-log';

export interface Env {
  /** Manages every tenant; a secret (`.dev.vars` locally). */
  readonly ADMIN_TOKEN: string;
  readonly TENANT_LOG: DurableObjectNamespace<TenantLog>;
  /** Optional external enrichment provider (a service binding); absent by default. */
  readonly ENRICHMENT?: Fetcher;
  /** One read projection per tenant, fed by the crm-events queue. */
  readonly READ_MODEL: DurableObjectNamespace<ReadModel>;
  /** Static assets: Scalar's API reference script for GET /docs (wrangler.toml [assets]). */
  readonly ASSETS?: Fetcher;
  /** Browser origins allowed by CORS, comma-separated (none when unset; `*` for any). */
  readonly ALLOWED_ORIGINS?: string;
  /** The crm-events queue: the outbox drains into it. */
  readonly EVENTS: Queue<OutboxMessage>;
}
