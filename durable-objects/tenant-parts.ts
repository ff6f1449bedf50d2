// How a tenant's log is put together: every collaborator of the TenantLog door, built and wired once,
// in the order the storage needs (an interrupted erasure resumed first, then the schema, then the rest).
// The door passes in what only it knows: its name for outbox messages, its alarm, its scratch twin.
import type { monotonicFactory } from 'ulid';
import { hooks } from '../domain/crm';
import type { Env } from '../shared/env';
import { log } from '../shared/log';
import { ApiKeys } from './api-keys';
import type { BackgroundJob } from './background';
import { ChainAuditor } from './chain-auditor';
import { CommandService } from './command-service';
import { CommandShell } from './command-shell';
import { Compactor, type ScratchClient } from './compactor';
import { EntityReader } from './entity-reader';
import { EventStore } from './event-store';
import { HistoryReader } from './history-reader';
import { HookJobs } from './hook-jobs';
import { HookRunner } from './hook-runner';
import { IdempotencyStore } from './idempotency-store';
import { LifecycleRpc } from './lifecycle-rpc';
import { Outbox } from './outbox';
import { ReplayRpc } from './replay-rpc';
import { RescoreJob } from './rescore-job';
import { migrate } from './schema';
import { StreamNotice } from './stream-notice';
import { Transactions } from './unit-of-work';

/** What the door knows of itself. */
export interface Door {
  tenantName(): string | undefined;
  wakeBy(at: number): Promise<void>;
  /** The Durable Object an erasure compacts through. */
  scratch(): ScratchClient;
  nextId: ReturnType<typeof monotonicFactory>;
}

export type TenantParts = ReturnType<typeof tenantParts>;

export function tenantParts(ctx: DurableObjectState, env: Env, door: Door) {
  const { sql } = ctx.storage;
  // An erasure's copy back that a restart interrupted is finished before anything else runs.
  const resume = new Compactor(ctx, door.scratch);
  if (resume.interrupted()) {
    void ctx
      .blockConcurrencyWhile(async () => (await resume.copyBack(), store.reloadHead()))
      .catch((error) => log.error('erasure: the copy back did not finish; the object restarts', { error }));
  }
  ctx.storage.transactionSync(() => migrate(sql));
  /** Work the alarm drives; each job registers here. */
  const background: BackgroundJob[] = [];
  const outbox = new Outbox({ sql, queue: env.EVENTS, tenant: () => door.tenantName(), wakeBy: door.wakeBy });
  background.push({ name: 'outbox', run: () => outbox.drain() });
  /** The one way a write opens a transaction; memory mirrors of SQLite join it. */
  const tx = new Transactions(ctx.storage);
  const store = new EventStore(sql, (events) => outbox.record(events));
  tx.join(store);
  // After each commit, the tenant's StreamHub hears the new head (durable-objects/stream-notice.ts).
  const streams = new StreamNotice(
    env,
    () => door.tenantName(),
    () => store.headSeq,
  );
  tx.join(streams);
  const keys = new ApiKeys(sql);
  const idempotency = new IdempotencyStore(sql, tx);
  const jobs = new HookJobs(sql, hooks);
  const shell = new CommandShell(tx, sql, store, hooks, jobs, door.nextId);
  const hookRunner = new HookRunner(shell, jobs, hooks, store);
  // Jobs a crash left between their commit and their run (nothing armed the alarm): run them now it is awake.
  const pendingHooks = jobs.nextDue();
  if (pendingHooks !== null) {
    door.wakeBy(pendingHooks).catch((error) => log.warn('after-hooks: arming the alarm failed', { error }));
  }
  const rescore = new RescoreJob(sql, store, shell);
  tx.join(rescore);
  const lifecycle = new LifecycleRpc(store, shell, jobs);
  background.push({ name: 'after-hooks', run: () => hookRunner.runDue(Date.now()) });
  shell.onCommandEvents((events) => rescore.noteEvents(events));
  background.push({ name: 'rescore', run: async () => rescore.runChunk(Date.now()) });
  const commands = new CommandService({
    tx,
    store,
    shell,
    idempotency,
    rescore,
    reads: lifecycle,
    keys,
    streams,
    newId: (nowMs) => door.nextId(nowMs),
    wakeBy: door.wakeBy,
  });
  return {
    tx,
    store,
    keys,
    hookRunner,
    rescore,
    lifecycle,
    streams,
    /** Every write: decide → append + fold → hooks → outbox → idempotency, in one unit of work. */
    commands,
    reader: new EntityReader(store),
    history: new HistoryReader(sql),
    auditor: new ChainAuditor(sql, () => store.headSeq),
    /** Export, import, erasure (issue 10). */
    replay: new ReplayRpc({
      ctx,
      tx,
      store,
      scratch: door.scratch,
      newEventId: () => door.nextId(Date.now()),
      wakeBy: door.wakeBy,
    }),
    background,
  };
}
