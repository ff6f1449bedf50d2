// The read model's generations of tables: one live, at most one being rebuilt beside it, each with its
// checkpoint and, when it cannot advance, the seq it is stuck at and why. Synchronous SQL throughout.
import type { StoredEvent } from '../domain/events';
import { Projector } from './projector';
import {
  bareStatements,
  createStatements,
  deferredIndexes,
  dropStatements,
  schemaFingerprint,
  searchFillStatements,
} from './tables';

export interface Generation {
  readonly generation: number;
  readonly checkpoint: number;
}

/** Where a generation stopped and why: the next seq it needs, and what keeps it from applying it. */
export interface StuckAt {
  readonly seq: number;
  readonly reason: string;
}

/** A stuck generation as status shows it: since when, and how many attempts failed since. */
export interface Stuck extends StuckAt {
  readonly since: string;
  readonly attempts: number;
}

type Transact = <T>(body: () => T) => T;

export class Generations {
  constructor(
    private readonly sql: SqlStorage,
    /** The storage's transactionSync: a page of events and its checkpoint commit together. */
    private readonly transact: Transact,
  ) {}

  /** Creates the bookkeeping; tables derived from another schema are dropped and refilled from seq 0. */
  setUp(): void {
    this.sql.exec(
      'CREATE TABLE IF NOT EXISTS rm_generations (generation INTEGER PRIMARY KEY, checkpoint INTEGER NOT NULL, ' +
        'live INTEGER NOT NULL, fingerprint TEXT NOT NULL)',
    );
    this.sql.exec('CREATE TABLE IF NOT EXISTS rm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    this.sql.exec(
      'CREATE TABLE IF NOT EXISTS rm_stuck (generation INTEGER PRIMARY KEY, seq INTEGER NOT NULL,' +
        ' reason TEXT NOT NULL, since TEXT NOT NULL, attempts INTEGER NOT NULL)',
    );
    const current = this.sql.exec('SELECT fingerprint FROM rm_generations WHERE live = 1').toArray()[0];
    if (current && current['fingerprint'] === schemaFingerprint()) return;
    for (const row of this.sql.exec('SELECT generation FROM rm_generations').toArray())
      this.drop(Number(row['generation']));
    this.create(1, true);
  }

  live(): Generation {
    return this.row('SELECT generation, checkpoint FROM rm_generations WHERE live = 1')!;
  }

  rebuilding(): Generation | undefined {
    return this.row('SELECT generation, checkpoint FROM rm_generations WHERE live = 0');
  }

  /** Starts the next generation beside the live one, unless one is under way. */
  startRebuild(): void {
    if (this.rebuilding()) return;
    this.create(Number(this.sql.exec('SELECT MAX(generation) AS g FROM rm_generations').one()['g'] ?? 0) + 1, false);
  }

  /**
   * Makes the rebuilt generation live once it reached the live checkpoint, or the log's head when the
   * live one is past it (a log that lost its tail: the log is the truth); drops the old one. Its indexes
   * and full-text rows, deferred while it filled, are built first, in the same transaction.
   */
  swapIfCaughtUp(head = Number.MAX_SAFE_INTEGER): boolean {
    const next = this.rebuilding();
    const live = this.live();
    if (!next || next.checkpoint < Math.min(live.checkpoint, head)) return false;
    this.finish(next.generation);
    this.drop(live.generation);
    this.sql.exec('UPDATE rm_generations SET live = 1 WHERE generation = ?', next.generation);
    return true;
  }

  /**
   * Applies the pulled events that continue a generation's checkpoint, checking every one for a gap,
   * and moves the checkpoint. It stops before a gap, before an event the projector cannot apply, or
   * short of `head` (given when the page was the log's last): then the generation is stuck there and
   * the answer says why. Runs its own transactions; an undefined answer clears a stuck mark.
   */
  advance(
    generation: number,
    events: readonly StoredEvent[],
    head: number | undefined,
    now: string,
  ): StuckAt | undefined {
    const checkpoint = this.checkpointOf(generation);
    if (checkpoint === undefined) return undefined; // swapped away while the pull was under way
    const fresh = events.filter((e) => e.seq > checkpoint);
    let run = 0;
    while (run < fresh.length && fresh[run]!.seq === checkpoint + 1 + run) run++;
    const reached = checkpoint + run;
    const next = reached + 1;
    const gap = run < fresh.length && `gap in the log: expected seq ${next}, the log answered seq ${fresh[run]!.seq}`;
    const short =
      head !== undefined && reached < head && `the log's head is ${head} but it has no event after seq ${reached}`;
    const stopped = gap || short;
    const poisoned = this.applyRun(generation, fresh.slice(0, run));
    const stuck = poisoned ?? (stopped ? { seq: next, reason: stopped } : undefined);
    this.mark(generation, stuck, now);
    return stuck;
  }

  /** Records (or clears) why a generation cannot advance, e.g. when the log did not answer at all. */
  mark(generation: number, stuck: StuckAt | undefined, now: string): void {
    const before = this.stuck(generation);
    if (!stuck) {
      // Read first: the common case (never stuck) writes nothing.
      if (before) this.sql.exec('DELETE FROM rm_stuck WHERE generation = ?', generation);
      return;
    }
    // A stop at the same seq is the same episode: it keeps its start and counts its attempts.
    const same = before !== undefined && before.seq === stuck.seq;
    this.sql.exec(
      'INSERT OR REPLACE INTO rm_stuck (generation, seq, reason, since, attempts) VALUES (?, ?, ?, ?, ?)',
      generation,
      stuck.seq,
      stuck.reason.slice(0, 500),
      same ? before.since : now,
      same ? before.attempts + 1 : 1,
    );
  }

  stuck(generation: number): Stuck | undefined {
    const row = this.sql.exec('SELECT * FROM rm_stuck WHERE generation = ?', generation).toArray()[0];
    if (!row) return undefined;
    return {
      seq: Number(row['seq']),
      reason: String(row['reason']),
      since: String(row['since']),
      attempts: Number(row['attempts']),
    };
  }

  // A page commits whole; when it cannot, the events are applied one by one (each committed) to find
  // the one the projector cannot apply, so the checkpoint stops just before it.
  private applyRun(generation: number, run: readonly StoredEvent[]): StuckAt | undefined {
    if (run.length === 0) return undefined;
    try {
      this.transact(() => this.applyNow(generation, run));
      return undefined;
    } catch {
      for (const event of run) {
        try {
          this.transact(() => this.applyNow(generation, [event]));
        } catch (error) {
          const reason = `the projector cannot apply ${event.type} of ${event.entityId}: ${messageOf(error)}`;
          return { seq: event.seq, reason };
        }
      }
      return undefined;
    }
  }

  private applyNow(generation: number, events: readonly StoredEvent[]): void {
    new Projector(this.sql, generation, !this.deferred(generation)).apply(events);
    this.sql.exec('UPDATE rm_generations SET checkpoint = ? WHERE generation = ?', events.at(-1)!.seq, generation);
  }

  checkpointOf(generation: number): number | undefined {
    const row = this.sql.exec('SELECT checkpoint FROM rm_generations WHERE generation = ?', generation).toArray()[0];
    return row ? Number(row['checkpoint']) : undefined;
  }

  meta(key: string): string | undefined {
    const value = this.sql.exec('SELECT value FROM rm_meta WHERE key = ?', key).toArray()[0]?.['value'];
    return value === undefined ? undefined : String(value);
  }

  rememberOnce(key: string, value: string): void {
    this.sql.exec('INSERT OR IGNORE INTO rm_meta (key, value) VALUES (?, ?)', key, value);
  }

  private row(query: string): Generation | undefined {
    const row = this.sql.exec(query).toArray()[0];
    return row ? { generation: Number(row['generation']), checkpoint: Number(row['checkpoint']) } : undefined;
  }

  // A rebuild fills bare tables: maintaining a dozen indexes and the full-text index row by row cost
  // about three quarters of a catch-up, building them once from the filled tables a fraction of that.
  private create(generation: number, live: boolean): void {
    for (const statement of live ? createStatements(generation) : bareStatements(generation)) this.sql.exec(statement);
    if (!live) this.sql.exec('INSERT OR REPLACE INTO rm_meta (key, value) VALUES (?, ?)', deferredKey(generation), '1');
    this.sql.exec(
      'INSERT INTO rm_generations (generation, checkpoint, live, fingerprint) VALUES (?, 0, ?, ?)',
      generation,
      live ? 1 : 0,
      schemaFingerprint(),
    );
  }

  /** Whether a generation still waits for its indexes and full-text rows (a rebuild not yet swapped in). */
  deferred(generation: number): boolean {
    return this.meta(deferredKey(generation)) !== undefined;
  }

  /**
   * Builds the next index a rebuild deferred; false when none is left. One a transaction, so a large
   * tenant's rebuild does not hold reads up for all of them at once.
   */
  buildDeferredIndex(generation: number): boolean {
    const next = this.missingIndexes(generation)[0];
    if (next) this.sql.exec(next.sql);
    return next !== undefined;
  }

  // Builds what a rebuild deferred (the indexes left, the full-text rows); from here on its rows are
  // indexed as they are written. The full-text rows of every noun are filled here, in the swap's transaction:
  // reads wait for that fill (they did not wait for the indexes, built one a transaction before it).
  private finish(generation: number): void {
    for (const index of this.missingIndexes(generation)) this.sql.exec(index.sql);
    if (!this.deferred(generation)) return;
    for (const statement of searchFillStatements(generation)) this.sql.exec(statement);
    this.sql.exec('DELETE FROM rm_meta WHERE key = ?', deferredKey(generation));
  }

  private missingIndexes(generation: number): { name: string; sql: string }[] {
    if (!this.deferred(generation)) return [];
    const built = new Set(
      this.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'index'")
        .toArray()
        .map((row) => String(row['name'])),
    );
    return deferredIndexes(generation).filter((index) => !built.has(index.name));
  }

  private drop(generation: number): void {
    for (const statement of dropStatements(generation)) this.sql.exec(statement);
    this.sql.exec('DELETE FROM rm_meta WHERE key = ?', deferredKey(generation));
    this.sql.exec('DELETE FROM rm_generations WHERE generation = ?', generation);
    this.sql.exec('DELETE FROM rm_stuck WHERE generation = ?', generation);
  }
}

const deferredKey = (generation: number) => `deferred:${generation}`;

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
