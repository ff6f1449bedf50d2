// Background work of a TenantLog, driven by its one alarm: each job does what is due and says when
// it next wants to run. Jobs (after-hook retries, outbox drain) register in the constructor.
import { log } from '../shared/log';

export interface BackgroundJob {
  readonly name: string;
  /** Does what is due; returns the epoch ms to run again, or null when nothing is pending. */
  readonly run: () => Promise<number | null>;
}

export const RETRY_AFTER_FAILURE_MS = 5_000;

export async function runJobs(jobs: readonly BackgroundJob[], now: number): Promise<number | null> {
  let next = Number.POSITIVE_INFINITY;
  for (const job of jobs) {
    try {
      const at = await job.run();
      if (at !== null) next = Math.min(next, at);
    } catch (error) {
      log.error('background job failed; retried by the alarm', { job: job.name, error });
      next = Math.min(next, now + RETRY_AFTER_FAILURE_MS);
    }
  }
  return Number.isFinite(next) ? next : null;
}

/** Sets the alarm to `at` unless it is already due sooner. */
export async function wakeBy(storage: DurableObjectStorage, at: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
}
