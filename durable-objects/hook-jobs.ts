// The hook_jobs table: pending after-hook runs, written in the transaction of the event that
// triggers them, so a crash between commit and run loses nothing (the alarm picks them up).
import type { StoredEvent } from '../domain/events';
import type { HookRegistry } from '../domain/hooks';

/** After-hooks of after-hooks run at most this deep; deeper cascades are not queued. */
export const MAX_HOOK_DEPTH = 4;
export const MAX_HOOK_ATTEMPTS = 8;
const FIRST_RETRY_MS = 5_000;
const LONGEST_RETRY_MS = 60 * 60 * 1000;

export interface HookJob {
  readonly triggerId: string;
  readonly hook: string;
  readonly triggerSeq: number;
  readonly eventType: string;
  readonly entityId: string;
  readonly depth: number;
  readonly runId: string;
  readonly attempts: number;
}

/** Wait before attempt n+1 after n failures: 5 s, 10 s, 20 s, … at most an hour. */
export function retryDelay(failures: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), LONGEST_RETRY_MS);
}

export class HookJobs {
  constructor(
    private readonly sql: SqlStorage,
    private readonly hooks: HookRegistry,
  ) {}

  /** Queues every after-hook of these events. Call inside the transaction that appended them. */
  /**
   * False only when no job can be pending: lets a command that queued nothing skip the look-up.
   * Starts true (a restart may find jobs); a rolled-back enqueue leaves it true, which costs one query.
   */
  mayHavePending = true;

  /** Jobs queued since the object started (rolled-back ones included): tells a runner whether any came in. */
  queuedSoFar = 0;

  enqueue(events: readonly StoredEvent[], depth: number, nowMs: number, mint: (noun: string) => string): number {
    if (depth >= MAX_HOOK_DEPTH) return 0;
    let queued = 0;
    for (const event of events)
      for (const hook of this.hooks.afterHooks(event.type)) {
        this.sql.exec(
          `INSERT OR IGNORE INTO hook_jobs (trigger_id, hook, trigger_seq, event_type, entity_id, depth,
             run_id, status, attempts, next_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)`,
          event.id,
          hook.name,
          event.seq,
          event.type,
          event.entityId,
          depth + 1,
          mint('HookRun'),
          nowMs,
        );
        queued++;
      }
    if (queued) this.mayHavePending = true;
    this.queuedSoFar += queued;
    return queued;
  }

  due(nowMs: number, limit: number): HookJob[] {
    return this.sql
      .exec(
        "SELECT * FROM hook_jobs WHERE status = 'pending' AND next_at <= ? ORDER BY trigger_seq, hook LIMIT ?",
        nowMs,
        limit,
      )
      .toArray()
      .map((r) => ({
        triggerId: String(r['trigger_id']),
        hook: String(r['hook']),
        triggerSeq: Number(r['trigger_seq']),
        eventType: String(r['event_type']),
        entityId: String(r['entity_id']),
        depth: Number(r['depth']),
        runId: String(r['run_id']),
        attempts: Number(r['attempts']),
      }));
  }

  /** Epoch ms of the earliest pending job, or null. */
  nextDue(): number | null {
    const at = this.sql.exec("SELECT MIN(next_at) AS at FROM hook_jobs WHERE status = 'pending'").one()['at'];
    if (at === null || at === undefined) this.mayHavePending = false;
    return at === null || at === undefined ? null : Number(at);
  }

  isPending(job: HookJob): boolean {
    return (
      this.sql
        .exec(
          "SELECT 1 FROM hook_jobs WHERE trigger_id = ? AND hook = ? AND status = 'pending'",
          job.triggerId,
          job.hook,
        )
        .toArray().length > 0
    );
  }

  /** Marks a pending job done; false when it is no longer pending (another runner finished it). */
  markDone(job: HookJob): boolean {
    const marked = this.sql.exec(
      "UPDATE hook_jobs SET status = 'done', last_error = NULL WHERE trigger_id = ? AND hook = ? " +
        "AND status = 'pending' RETURNING 1",
      job.triggerId,
      job.hook,
    );
    return marked.toArray().length > 0;
  }

  markFailed(job: HookJob, attempts: number, error: string, nextAt: number | null): void {
    this.sql.exec(
      'UPDATE hook_jobs SET status = ?, attempts = ?, last_error = ?, next_at = ? WHERE trigger_id = ? AND hook = ?',
      nextAt === null ? 'abandoned' : 'pending',
      attempts,
      error,
      nextAt ?? 0,
      job.triggerId,
      job.hook,
    );
  }

  counts(): Record<string, number> {
    const rows = this.sql.exec('SELECT status, COUNT(*) AS n FROM hook_jobs GROUP BY status').toArray();
    return Object.fromEntries(rows.map((r) => [String(r['status']), Number(r['n'])]));
  }
}
