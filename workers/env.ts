// The bindings the Worker and the Durable Objects see (wrangler.toml).
import type { OutboxMessage } from '../durable-objects/outbox';
import type { ReadModel } from '../durable-objects/read-model';
import type { TenantLog } from '../durable-objects/tenant-log';

export interface Env {
  /** Manages every tenant; a secret (`.dev.vars` locally). */
  readonly ADMIN_TOKEN: string;
  /** Signs tenant keys (HMAC-SHA256); a secret. Unset: derived from ADMIN_TOKEN (docs/security.md). */
  readonly KEY_SECRET?: string;
  readonly TENANT_LOG: DurableObjectNamespace<TenantLog>;
  /** Optional external enrichment provider (a service binding); absent by default. */
  readonly ENRICHMENT?: Fetcher;
  /** One read projection per tenant, fed by the crm-events queue. */
  readonly READ_MODEL: DurableObjectNamespace<ReadModel>;
  /** The crm-events queue: the outbox drains into it. */
  readonly EVENTS: Queue<OutboxMessage>;
  /** Signs audit checkpoints: an Ed25519 private key as a JWK (a secret; `npm start` makes a local one). */
  readonly AUDIT_SIGNING_KEY?: string;
}
