// The transactional outbox: a row per event, written in the append's own transaction, drained to the
// crm-events queue after the commit (and by the alarm) in batches of at most 100 rows, deleted only
// once the queue took them. Consumers pull the log in seq order, so a message is only a nudge: one
// message stands for the batch of rows it drained (tenant and seq range, never event data), which
// keeps a bulk import from flooding the queue shared by every tenant.
import type { StoredEvent } from '../domain/events';

export interface OutboxMessage {
  readonly tenant: string;
  /** The last seq of the drained rows: the consumer acks once the projection reached it. */
  readonly seq: number;
  readonly fromSeq: number;
  readonly count: number;
  /** Event types in the range, for subscribers that only care about some. */
  readonly types: readonly string[];
}

/** Rows drained per message. */
export const OUTBOX_BATCH = 100;
/** The alarm's safety net: a drain that never ran (eviction, crash) runs by then. */
export const OUTBOX_SAFETY_MS = 5_000;
const MAX_BACKOFF_MS = 60_000;

export interface OutboxHost {
  readonly sql: SqlStorage;
  readonly queue: Queue<OutboxMessage>;
  readonly tenant: () => string | undefined;
  /** Asks the alarm to run by `at` (epoch ms) at the latest. */
  readonly wakeBy: (at: number) => Promise<void>;
}

export class Outbox {
  private draining: Promise<number | null> | undefined;
  private failures = 0;

  constructor(private readonly host: OutboxHost) {}

  /** Writes one row per event. Call inside the append's transactionSync. */
  record(events: readonly StoredEvent[]): void {
    for (const e of events)
      this.host.sql.exec('INSERT INTO outbox (seq, id, type, entity_id) VALUES (?, ?, ?, ?)', e.seq, e.id, e.type, e.entityId);
    // A microtask runs only after the synchronous transaction returned, so nothing is sent before
    // its commit; after a rollback the rows are simply not there.
    if (events.length) queueMicrotask(() => void this.kick());
  }

  pending(): number {
    return Number(this.host.sql.exec('SELECT COUNT(*) AS n FROM outbox').one()['n']);
  }

  /** Starts a drain unless one runs; arms the alarm first so a lost drain is retried. */
  async kick(): Promise<void> {
    await this.host.wakeBy(Date.now() + OUTBOX_SAFETY_MS);
    const next = await this.drain();
    if (next !== null) await this.host.wakeBy(next);
  }

  /** Sends everything pending; null when empty, else when to try again (backoff after a failure). */
  drain(): Promise<number | null> {
    this.draining ??= this.sendAll().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async sendAll(): Promise<number | null> {
    const tenant = this.host.tenant();
    if (tenant === undefined) return null;
    for (;;) {
      const rows = this.host.sql.exec('SELECT seq, type FROM outbox ORDER BY seq LIMIT ?', OUTBOX_BATCH).toArray();
      if (rows.length === 0) return null;
      try {
        await this.host.queue.send(toMessage(tenant, rows), { contentType: 'json' });
      } catch (error) {
        this.failures += 1;
        console.error(`outbox: send failed (${this.failures} in a row)`, error);
        return Date.now() + Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** (this.failures - 1));
      }
      this.failures = 0;
      this.host.sql.exec('DELETE FROM outbox WHERE seq <= ?', Number(rows.at(-1)!['seq']));
    }
  }
}

function toMessage(tenant: string, rows: readonly Record<string, SqlStorageValue>[]): OutboxMessage {
  const seqs = rows.map((r) => Number(r['seq']));
  return { tenant, seq: Math.max(...seqs), fromSeq: Math.min(...seqs), count: rows.length, types: [...new Set(rows.map((r) => String(r['type'])))].sort() };
}
