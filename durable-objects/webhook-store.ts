// Webhook subscriptions and their deliveries, in the tenant's StreamHub (its own SQLite): a subscription
// is configuration, not a business fact, so it stays out of the hash-chained log; only its automatic
// disabling is a fact, appended to the log as `Webhook.Disabled`. Each subscription keeps a cursor (the
// last seq it turned into deliveries), moved in the same transaction as the deliveries it created.
import type { TypePatterns } from '../domain/type-patterns';

export const STANDARD_RETRY_DELAYS: readonly number[] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
/** A subscription whose every try failed for this long is disabled. */
export const DISABLE_AFTER_MS = 5 * 24 * 3_600_000;

export interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly types: TypePatterns;
  readonly description: string | null;
  readonly retryDelays: readonly number[];
  readonly status: 'active' | 'disabled';
  readonly disabledReason?: string;
  readonly disabledAt?: string;
  /** When the current run of failures began; null once a delivery succeeds. */
  readonly failingSince: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Delivery {
  readonly id: string;
  readonly webhookId: string;
  readonly eventId: string;
  readonly seq: number;
  readonly type: string;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly lastResponseStatus: number | null;
  readonly lastError: string | null;
  readonly nextTryAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS webhooks (
    id TEXT PRIMARY KEY, url TEXT NOT NULL, types TEXT NOT NULL, description TEXT, retry_delays TEXT NOT NULL,
    secret TEXT NOT NULL, status TEXT NOT NULL, disabled_reason TEXT, disabled_at TEXT, cursor INTEGER NOT NULL,
    failing_since INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, event_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL,
    status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_status INTEGER, last_error TEXT, next_at INTEGER,
    round INTEGER NOT NULL DEFAULT 1, queued INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS deliveries_by_webhook ON deliveries (webhook_id, id);
  CREATE INDEX IF NOT EXISTS deliveries_unqueued ON deliveries (queued) WHERE queued = 0;
  -- First answers to webhook writes that carried an Idempotency-Key (durable-objects/idempotency-store.ts).
  CREATE TABLE IF NOT EXISTS idempotency (
    principal TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, answer TEXT NOT NULL,
    created_at INTEGER NOT NULL, PRIMARY KEY (principal, key)
  ) WITHOUT ROWID;
`;

type Row = Record<string, SqlStorageValue>;

export interface NewWebhook {
  readonly id: string;
  readonly url: string;
  readonly types: TypePatterns;
  readonly description?: string | undefined;
  readonly retryDelays?: readonly number[] | undefined;
  readonly secret: string;
  readonly cursor: number;
  readonly time: string;
}

export interface WebhookPatch {
  readonly url?: string;
  readonly types?: TypePatterns;
  readonly description?: string | null;
  readonly retryDelays?: readonly number[];
  readonly enabled?: boolean;
  /** A new secret, when rotating. */
  readonly secret?: string;
}

/** How long a finished delivery stays listed under GET /~t/webhooks/{id}/deliveries. */
export const DELIVERY_RETENTION_DAYS = 30;
const PRUNE_BATCH = 100;

export class WebhookStore {
  constructor(private readonly sql: SqlStorage) {}

  create(input: NewWebhook): Webhook {
    this.sql.exec(
      `INSERT INTO webhooks (id, url, types, description, retry_delays, secret, status, cursor, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
      input.id,
      input.url,
      JSON.stringify(input.types),
      input.description ?? null,
      JSON.stringify(input.retryDelays ?? STANDARD_RETRY_DELAYS),
      input.secret,
      input.cursor,
      input.time,
      input.time,
    );
    return this.get(input.id)!;
  }

  get(id: string): Webhook | undefined {
    const row = this.sql.exec('SELECT * FROM webhooks WHERE id = ?', id).toArray()[0];
    return row ? rowToWebhook(row) : undefined;
  }

  list(): Webhook[] {
    return this.sql.exec('SELECT * FROM webhooks ORDER BY id').toArray().map(rowToWebhook);
  }

  active(): { webhook: Webhook; cursor: number }[] {
    return this.sql
      .exec("SELECT * FROM webhooks WHERE status = 'active' ORDER BY id")
      .toArray()
      .map((row) => ({ webhook: rowToWebhook(row), cursor: Number(row['cursor']) }));
  }

  secretOf(id: string): string | undefined {
    const row = this.sql.exec('SELECT secret FROM webhooks WHERE id = ?', id).toArray()[0];
    return row ? String(row['secret']) : undefined;
  }

  /** Applies a patch; enabling again starts from `head` (what happened while disabled is not sent). */
  update(id: string, patch: WebhookPatch, time: string, head: number): Webhook | undefined {
    const current = this.get(id);
    if (!current) return undefined;
    const set = (column: string, value: SqlStorageValue) =>
      this.sql.exec(`UPDATE webhooks SET ${column} = ? WHERE id = ?`, value, id);
    if (patch.url !== undefined) set('url', patch.url);
    if (patch.types !== undefined) set('types', JSON.stringify(patch.types));
    if (patch.description !== undefined) set('description', patch.description);
    if (patch.retryDelays !== undefined) set('retry_delays', JSON.stringify(patch.retryDelays));
    if (patch.secret !== undefined) set('secret', patch.secret);
    if (patch.enabled === true && current.status === 'disabled') {
      this.sql.exec(
        `UPDATE webhooks SET status = 'active', disabled_reason = NULL, disabled_at = NULL, failing_since = NULL,
         cursor = ? WHERE id = ?`,
        head,
        id,
      );
    }
    if (patch.enabled === false && current.status === 'active') this.disable(id, 'disabled by request', time);
    set('updated_at', time);
    return this.get(id);
  }

  /** Disables a subscription; its pending deliveries fail (a redelivery can send them later). */
  disable(id: string, reason: string, time: string): void {
    this.sql.exec(
      "UPDATE webhooks SET status = 'disabled', disabled_reason = ?, disabled_at = ?, updated_at = ? WHERE id = ?",
      reason,
      time,
      time,
      id,
    );
    this.sql.exec(
      `UPDATE deliveries SET status = 'failed', last_error = COALESCE(last_error, 'webhook disabled'), next_at = NULL,
       updated_at = ? WHERE webhook_id = ? AND status = 'pending'`,
      time,
      id,
    );
  }

  delete(id: string): boolean {
    const gone = this.sql.exec('DELETE FROM webhooks WHERE id = ?', id).rowsWritten > 0;
    this.sql.exec('DELETE FROM deliveries WHERE webhook_id = ?', id);
    return gone;
  }

  /** Records deliveries for events past the cursor and moves it. Call inside transactionSync. */
  addDeliveries(
    webhookId: string,
    events: readonly { seq: number; id: string; type: string }[],
    through: number,
    ids: () => string,
    time: string,
  ): void {
    for (const event of events)
      this.sql.exec(
        `INSERT INTO deliveries (id, webhook_id, event_id, seq, type, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
        ids(),
        webhookId,
        event.id,
        event.seq,
        event.type,
        time,
        time,
      );
    this.sql.exec('UPDATE webhooks SET cursor = ? WHERE id = ? AND cursor < ?', through, webhookId, through);
    this.pruneFinished(time);
  }

  /**
   * Deliveries that ended (delivered or failed) are kept DELIVERY_RETENTION_DAYS, then removed a bounded
   * number at a time as new ones are added, oldest first (ids are ULIDs), so the table cannot grow forever.
   */
  private pruneFinished(now: string): void {
    const before = new Date(Date.parse(now) - DELIVERY_RETENTION_DAYS * 86_400_000).toISOString();
    this.sql.exec(
      `DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries
         WHERE status != 'pending' AND updated_at < ? ORDER BY id LIMIT ?)`,
      before,
      PRUNE_BATCH,
    );
  }

  /** Deliveries not yet handed to the queue, oldest first. */
  unqueued(limit: number): { id: string; round: number }[] {
    return this.sql
      .exec('SELECT id, round FROM deliveries WHERE queued = 0 ORDER BY id LIMIT ?', limit)
      .toArray()
      .map((r) => ({ id: String(r['id']), round: Number(r['round']) }));
  }

  markQueued(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec('UPDATE deliveries SET queued = 1 WHERE id = ?', id);
  }

  delivery(id: string): (Delivery & { round: number }) | undefined {
    const row = this.sql.exec('SELECT * FROM deliveries WHERE id = ?', id).toArray()[0];
    return row ? { ...rowToDelivery(row), round: Number(row['round']) } : undefined;
  }

  /** A page of deliveries, newest first, before a delivery id. */
  deliveries(webhookId: string, limit: number, before?: string): Delivery[] {
    const rows = before
      ? this.sql.exec(
          'SELECT * FROM deliveries WHERE webhook_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
          webhookId,
          before,
          limit,
        )
      : this.sql.exec('SELECT * FROM deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?', webhookId, limit);
    return rows.toArray().map(rowToDelivery);
  }

  /** Sends a delivery again: pending, a new round (older queue messages for it are ignored). */
  redeliver(id: string, time: string): void {
    this.sql.exec(
      `UPDATE deliveries SET status = 'pending', round = round + 1, queued = 0, next_at = NULL, updated_at = ?
       WHERE id = ?`,
      time,
      id,
    );
  }

  recordAttempt(
    id: string,
    outcome: {
      status: 'delivered' | 'pending' | 'failed';
      responseStatus: number | null;
      error: string | null;
      nextAt: number | null;
    },
    time: string,
  ): void {
    this.sql.exec(
      `UPDATE deliveries SET status = ?, attempts = attempts + 1, last_status = ?, last_error = ?, next_at = ?,
       updated_at = ? WHERE id = ?`,
      outcome.status,
      outcome.responseStatus,
      outcome.error,
      outcome.nextAt,
      time,
      id,
    );
  }

  failingSince(webhookId: string): number | null {
    const row = this.sql.exec('SELECT failing_since FROM webhooks WHERE id = ?', webhookId).toArray()[0];
    return row?.['failing_since'] == null ? null : Number(row['failing_since']);
  }

  setFailingSince(webhookId: string, at: number | null): void {
    this.sql.exec('UPDATE webhooks SET failing_since = ? WHERE id = ?', at, webhookId);
  }
}

function rowToWebhook(row: Row): Webhook {
  return {
    id: String(row['id']),
    url: String(row['url']),
    types: JSON.parse(String(row['types'])) as string[],
    description: row['description'] === null ? null : String(row['description']),
    retryDelays: JSON.parse(String(row['retry_delays'])) as number[],
    status: row['status'] === 'disabled' ? 'disabled' : 'active',
    ...(row['disabled_reason'] ? { disabledReason: String(row['disabled_reason']) } : {}),
    ...(row['disabled_at'] ? { disabledAt: String(row['disabled_at']) } : {}),
    failingSince: row['failing_since'] == null ? null : new Date(Number(row['failing_since'])).toISOString(),
    createdAt: String(row['created_at']),
    updatedAt: String(row['updated_at']),
  };
}

function rowToDelivery(row: Row): Delivery {
  return {
    id: String(row['id']),
    webhookId: String(row['webhook_id']),
    eventId: String(row['event_id']),
    seq: Number(row['seq']),
    type: String(row['type']),
    status: String(row['status']) as Delivery['status'],
    attempts: Number(row['attempts']),
    lastResponseStatus: row['last_status'] === null ? null : Number(row['last_status']),
    lastError: row['last_error'] === null ? null : String(row['last_error']),
    nextTryAt: row['next_at'] === null ? null : new Date(Number(row['next_at'])).toISOString(),
    createdAt: String(row['created_at']),
    updatedAt: String(row['updated_at']),
  };
}
