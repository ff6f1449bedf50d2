// Group commit: writes that arrive while one is waiting to run are run together in one event-loop
// turn, so they share one SQLite commit (one fsync) instead of paying one each. Each is still its own
// unit of work (unit-of-work.ts), so one refused command rolls back only itself; every answer is held by the
// output gate until the shared commit is durable, so nothing is acknowledged before it is stored.
import { log } from '../shared/log';

interface Pending {
  readonly run: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit {
  private queue: Pending[] = [];

  /** @param afterGroup runs once after each group's writes (after-hooks), before the answers go out. */
  constructor(private readonly afterGroup: () => Promise<void>) {}

  /** Runs `write` (synchronous, no await inside) in the next group; answers its result. */
  submit<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: write, resolve: resolve as (value: unknown) => void, reject });
      // A zero timer lets the requests already delivered to the object join this group first.
      if (this.queue.length === 1) setTimeout(() => void this.flush(), 0);
    });
  }

  private async flush(): Promise<void> {
    const group = this.queue;
    this.queue = [];
    const settled = group.map((item) => {
      try {
        return { ok: true as const, value: item.run() };
      } catch (error) {
        return { ok: false as const, error };
      }
    });
    try {
      await this.afterGroup();
    } catch (error) {
      log.warn('after-group work failed; the alarm retries it', { error });
    }
    group.forEach((item, i) => {
      const outcome = settled[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }
}
