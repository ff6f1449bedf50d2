// The transactional outbox, as a cursor over the log: the log itself holds what is to be sent, and the
// cursor (outbox_cursor.sent) the last seq the crm-events queue took. An append writes nothing more, so
// what is pending commits or rolls back with the events themselves. After the commit (and by the alarm)
// the range after the cursor is sent in messages of at most 1,000 events, and the cursor moves only
// once the queue took one. Consumers pull the log in seq order, so a message is only a nudge: one message
// stands for its range (tenant, seq range and event types, never event data), which keeps a bulk import
// from flooding the queue every tenant shares.
import type { StoredEvent } from '../domain/events';
import { log } from '../shared/log';

export interface OutboxMessage {
  readonly tenant: string;
  /** The last seq the message stands for: the consumer acks once the projection reached it. */
  readonly seq: number;
  readonly fromSeq: number;
  readonly count: number;
  /** Event types in the range, for subscribers that only care about some. */
  readonly types: readonly string[];
}

/** Events a message stands for, at most. */
export const OUTBOX_BATCH = 1_000;
const MAX_BACKOFF_MS = 60_000;
/**
 * At most one kick per this many ms: the first append after a quiet spell is sent at once (a lone write's
 * projection waits no longer than before), the appends of a burst wait for the next slot and go as one
 * message. A send per command cost a queue message, two queries and a commit of its own on the object's
 * one thread (at one connection, ~0.7 ms a create before the next request could run).
 */
export const KICK_INTERVAL_MS = 50;

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

  // Rows an eviction or crash left behind go out as soon as the object is awake again.
  constructor(private readonly host: OutboxHost) {
    if (this.pending() > 0) this.schedule();
  }

  /** Events were appended: nothing to write (the log is the outbox); a kick once the transaction returned. */
  record(events: readonly StoredEvent[]): void {
    // The kick runs in a later task, after the synchronous transaction returned, so nothing is sent
    // before its commit (after a rollback the events are simply not there); at most one kick per
    // KICK_INTERVAL_MS, so a burst of appends is one message (docs/performance.md).
    if (events.length) this.schedule();
  }

  private schedule(): void {
    if (this.kickQueued) return;
    this.kickQueued = true;
    const wait = Math.max(0, this.lastKickAt + KICK_INTERVAL_MS - Date.now());
    setTimeout(() => {
      this.kickQueued = false;
      this.lastKickAt = Date.now();
      void this.kick();
    }, wait);
  }

  private kickQueued = false;
  private lastKickAt = 0;

  /** How many events the queue has not taken yet. */
  pending(): number {
    const { head, sent } = this.positions();
    return head - sent;
  }

  // The log's head and the cursor, in one statement.
  private positions(): { head: number; sent: number } {
    const row = this.host.sql
      .exec('SELECT (SELECT COALESCE(MAX(seq), 0) FROM events) AS head, (SELECT sent FROM outbox_cursor) AS sent')
      .one();
    return { head: Number(row['head']), sent: Number(row['sent'] ?? 0) };
  }

  /** Starts a drain unless a kick is under way, in which case that one goes round once more. */
  async kick(): Promise<void> {
    if (this.kicking) {
      this.again = true;
      return;
    }
    this.kicking = true;
    try {
      // After a failed send the alarm retries with backoff; a successful drain leaves the alarm to others.
      const next = await this.drain();
      if (next !== null) await this.host.wakeBy(next);
    } catch (error) {
      // A kick runs on its own timer, so nobody awaits it: a storage error here is logged and left to the
      // alarm (the cursor stays until a send succeeds), never an unhandled rejection.
      log.warn('outbox: drain failed; the alarm retries', { error });
      await this.host.wakeBy(Date.now() + 1_000).catch(() => {});
    } finally {
      this.kicking = false;
      if (this.again) {
        this.again = false;
        void this.kick();
      }
    }
  }

  private kicking = false;
  private again = false;

  /** Sends everything pending; null when empty, else when to try again (backoff after a failure). */
  drain(): Promise<number | null> {
    this.draining ??= this.sendAll().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async sendAll(): Promise<number | null> {
    const tenant = this.host.tenant();
    if (tenant === undefined) return null;
    for (;;) {
      const { head, sent } = this.positions();
      if (head <= sent) return null;
      const [fromSeq, seq] = [sent + 1, Math.min(head, sent + OUTBOX_BATCH)];
      const types = this.host.sql
        .exec('SELECT DISTINCT type FROM events WHERE seq BETWEEN ? AND ? ORDER BY type', fromSeq, seq)
        .toArray()
        .map((r) => String(r['type']));
      try {
        await this.host.queue.send({ tenant, seq, fromSeq, count: seq - fromSeq + 1, types }, { contentType: 'json' });
      } catch (error) {
        this.failures += 1;
        log.warn('outbox: send failed; retried with backoff', { tenant, failures: this.failures, error });
        return Date.now() + Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** (this.failures - 1));
      }
      this.failures = 0;
      this.host.sql.exec('UPDATE outbox_cursor SET sent = ? WHERE sent < ?', seq, seq);
    }
  }
}
