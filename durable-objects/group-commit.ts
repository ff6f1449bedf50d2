// Group commit: writes that arrive while one is being committed are run together in one event-loop turn,
// so they share one SQLite commit (one fsync) instead of paying one each. A write that finds the object
// idle runs at once (no timer before it: at one connection that timer was a task turn per request); the
// ones arriving in the turns after it are gathered by a zero timer into the next group. Each write is still
// its own unit of work (unit-of-work.ts), so one refused command rolls back only itself; every answer is
// held by the output gate until the commit holding it is durable, so nothing is acknowledged before it is
// stored. The after-work (after-hooks, durable jobs queued in the trigger's own transaction) starts in a
// microtask of the same turn, once per turn, and the answers do not wait for it: an answer waits for its
// own commit, not for the hooks' backlog. docs/performance.md (request latency) has the figures.
import { log } from '../shared/log';

interface Pending {
  readonly run: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit {
  /** Writes waiting for the next group; only while `gathering`. */
  private queue: Pending[] = [];
  /** A write ran this turn: the ones that follow before the zero timer fires are gathered into one group. */
  private gathering = false;
  private afterQueued = false;

  /** @param afterGroup runs once per turn after its writes (after-hooks); a failure is left to the alarm. */
  constructor(private readonly afterGroup: () => Promise<void>) {}

  /** Runs `write` (synchronous, no await inside) now when the object is idle, else in the next group. */
  submit<T>(write: () => T): Promise<T> {
    if (this.gathering)
      return new Promise<T>((resolve, reject) => {
        this.queue.push({ run: write, resolve: resolve as (value: unknown) => void, reject });
      });
    this.gathering = true;
    setTimeout(() => this.flush(), 0);
    try {
      return Promise.resolve(write());
    } catch (error) {
      return Promise.reject(error);
    } finally {
      this.scheduleAfter();
    }
  }

  // Runs the writes gathered since the last turn in this one; while a group runs, the next one gathers.
  private flush(): void {
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) {
      this.gathering = false;
      return;
    }
    setTimeout(() => this.flush(), 0);
    for (const item of group) {
      try {
        item.resolve(item.run());
      } catch (error) {
        item.reject(error);
      }
    }
    this.scheduleAfter();
  }

  // One after-work run per turn, whatever number of writes the turn ran; it starts before the turn ends,
  // so hooks without I/O of their own write into the same commit as their trigger.
  private scheduleAfter(): void {
    if (this.afterQueued) return;
    this.afterQueued = true;
    queueMicrotask(() => {
      this.afterQueued = false;
      this.afterGroup().catch((error: unknown) => log.warn('after-group work failed; the alarm retries it', { error }));
    });
  }
}
