// The bindings the Worker and the Durable Objects see (wrangler.toml).
import type { OutboxMessage } from '../durable-objects/outbox';
import type { ReadModel } from '../durable-objects/read-model';
import type { StreamHub } from '../durable-objects/stream-hub';
import type { TenantLog } from '../durable-objects/tenant-log';
import type { DeliveryMessage } from '../durable-objects/webhook-dispatch';

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
  /** Static assets: Scalar's API reference script for GET /docs (wrangler.toml [assets]). */
  readonly ASSETS?: Fetcher;
  /** Browser origins allowed by CORS, comma-separated (none when unset; `*` for any). */
  readonly ALLOWED_ORIGINS?: string;
  /** The crm-events queue: the outbox drains into it. */
  readonly EVENTS: Queue<OutboxMessage>;
  /** One stream hub per tenant: SSE and WebSocket subscribers, webhook subscriptions. */
  readonly STREAM_HUB: DurableObjectNamespace<StreamHub>;
  /** Webhook deliveries, one message per attempt round; dead letters go to WEBHOOKS_DLQ. */
  readonly WEBHOOKS: Queue<DeliveryMessage>;
  readonly WEBHOOKS_DLQ: Queue<DeliveryMessage>;
  /** "true" allows http webhooks on loopback addresses: local development and tests only. */
  readonly ALLOW_LOCAL_WEBHOOKS?: string;
  /** How long a webhook target may take to answer, in ms (default 10000); the e2e tests shorten it. */
  readonly WEBHOOK_TIMEOUT_MS?: string;
  /** SSE heartbeat period in ms (default 15000); tests shorten it. */
  readonly STREAM_HEARTBEAT_MS?: string;
  /** Live subscribers (SSE and WebSocket) a tenant may hold at once (default 1000); tests lower it. */
  readonly STREAM_MAX_SUBSCRIBERS?: string;
  /** How long a WebSocket may stay open without subscribing, in ms (default 30000); tests shorten it. */
  readonly STREAM_SUBSCRIBE_TIMEOUT_MS?: string;
  /** Signs audit checkpoints: Ed25519, a private JWK or PKCS #8 in base64 (a secret; `npm start` makes one). */
  readonly AUDIT_SIGNING_KEY?: string;
}
