// The transactional outbox: a row per append (the seq range it wrote), in the append's own transaction,
// drained to the crm-events queue after the commit (and by the alarm) in batches of at most 100 rows,
// deleted only once the queue took them. Consumers pull the log in seq order, so a message is only a
// nudge: one message stands for the batch it drained (tenant, seq range and event types, never event
// data), which keeps a bulk import from flooding the queue every tenant shares.
import type { StoredEvent } from '../domain/events';
import { log } from '../shared/log';

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

  /** Writes one row per event. Call inside the append's transactionSync. */
  record(events: readonly StoredEvent[]): void {
    if (events.length)
      this.host.sql.exec('INSERT INTO outbox (from_seq, to_seq) VALUES (?, ?)', events[0]!.seq, events.at(-1)!.seq);
    // The kick runs in a later task, after the synchronous transaction returned, so nothing is sent
    // before its commit (after a rollback the rows are simply not there); at most one kick per
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

  pending(): number {
    return Number(this.host.sql.exec('SELECT COALESCE(SUM(to_seq - from_seq + 1), 0) AS n FROM outbox').one()['n']);
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
      // alarm (the rows stay until a send succeeds), never an unhandled rejection.
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
      const rows = this.host.sql
        .exec('SELECT from_seq, to_seq FROM outbox ORDER BY from_seq LIMIT ?', OUTBOX_BATCH)
        .toArray();
      if (rows.length === 0) return null;
      const [fromSeq, seq] = [Number(rows[0]!['from_seq']), Number(rows.at(-1)!['to_seq'])];
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
      this.host.sql.exec('DELETE FROM outbox WHERE from_seq <= ?', Number(rows.at(-1)!['from_seq']));
    }
  }
}
