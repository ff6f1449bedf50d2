// Runs due after-hooks: each in its own transaction that appends what the hook wrote (caused by
// the trigger) and marks the job done; a failure is recorded as a HookRun event and retried by alarm.
import { collectHookCommands } from '../domain/after-hooks';
import { diff } from '../domain/decide';
import { represent } from '../domain/entity';
import type { HookRegistry } from '../domain/hooks';
import type { UnitOfWork } from '../domain/pipeline';
import { settingsOf, SETTINGS_ID } from '../domain/settings';
import type { CommandShell } from './command-shell';
import type { EventStore } from './event-store';
import { MAX_HOOK_ATTEMPTS, retryDelay, type HookJob, type HookJobs } from './hook-jobs';

const BATCH = 100;
const MAX_ROUNDS = 200;

export class HookRunner {
  constructor(
    private readonly shell: CommandShell,
    private readonly jobs: HookJobs,
    private readonly hooks: HookRegistry,
    private readonly store: EventStore,
  ) {}

  /** Runs every job due by `nowMs` (including those the runs queue); returns when the next is due. */
  async runDue(nowMs: number): Promise<number | null> {
    if (!this.jobs.mayHavePending) return null;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const queued = this.jobs.queuedSoFar;
      const due = this.jobs.due(nowMs, BATCH);
      if (due.length === 0) break;
      for (const job of due) await this.runOne(job, nowMs);
      // A batch that was not full and no job queued since it was read: nothing else is due by nowMs
      // (a failed run is retried seconds later at the earliest), so no second look-up.
      if (due.length < BATCH && this.jobs.queuedSoFar === queued) break;
    }
    return this.jobs.nextDue();
  }

  private async runOne(job: HookJob, nowMs: number): Promise<void> {
    const trigger = this.store.eventsAfter(job.triggerSeq - 1, 1)[0];
    const entity = this.store.get(job.entityId);
    const hook = this.hooks.afterHook(job.eventType, job.hook);
    if (!trigger || !entity || !hook)
      return this.recordFailure(job, nowMs, `hook ${job.hook} is not registered (or its trigger is gone)`, true);
    const meta = {
      actor: `hook:${job.hook}`,
      nowMs,
      causationId: trigger.id,
      correlationId: trigger.correlationId,
      depth: job.depth,
    };
    try {
      const settings = settingsOf(this.store.get(SETTINGS_ID));
      const commands = await collectHookCommands(hook.fn, represent(entity), { settings, event: trigger }, (noun) =>
        this.shell.mint(noun, nowMs),
      );
      this.shell.transact(meta, (uow, time) => {
        // Another runner (the alarm, a concurrent request) may have finished this job meanwhile. Marked
        // first, in the same transaction: a refusal below rolls the mark back with the run.
        if (!this.jobs.markDone(job)) return;
        this.shell.runIn(uow, time, commands, meta);
        if (job.attempts > 0) appendRunChange(uow, job, 'HookRun.Succeeded', { status: 'Done' });
      });
    } catch (error) {
      this.recordFailure(job, nowMs, error instanceof Error ? error.message : String(error), false);
    }
  }

  // The failure is a fact in the log (HookRun.Failed / HookRun.Abandoned on the entity hookrun_…),
  // so an operator sees it in the event stream, not only in a table.
  private recordFailure(job: HookJob, nowMs: number, message: string, final: boolean): void {
    const attempts = job.attempts + 1;
    const abandoned = final || attempts >= MAX_HOOK_ATTEMPTS;
    const nextAt = abandoned ? null : nowMs + retryDelay(attempts);
    this.shell.transact({ actor: `hook:${job.hook}`, nowMs, causationId: job.triggerId }, (uow) => {
      if (!this.jobs.isPending(job)) return;
      const fields = {
        hook: job.hook,
        trigger: job.triggerId,
        triggerType: job.eventType,
        status: abandoned ? 'Abandoned' : 'Failing',
        attempts,
        lastError: message.slice(0, 1000),
        nextAttemptAt: nextAt === null ? null : new Date(nextAt).toISOString(),
      };
      appendRunChange(uow, job, abandoned ? 'HookRun.Abandoned' : 'HookRun.Failed', fields);
      this.jobs.markFailed(job, attempts, message.slice(0, 1000), nextAt);
    });
  }
}

function appendRunChange(uow: UnitOfWork, job: HookJob, type: string, fields: Record<string, unknown>): void {
  const current = uow.get(job.runId)?.fields ?? {};
  uow.append(
    [{ type, entityType: 'HookRun', entityId: job.runId, data: { changes: diff(current, fields) } }],
    job.triggerId,
  );
}
