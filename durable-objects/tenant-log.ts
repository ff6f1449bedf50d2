// TenantLog: one Durable Object per tenant, holding its hash-chained event log and the state folded
// from it. The imperative shell around decide/evolve: read state, decide, append + fold in one
// transactionSync, with no await between the read and the append. Every write request is one unit of
// work (unit-of-work.ts): one transaction, and memory moves only when it commits.
import { DurableObject } from 'cloudflare:workers';
import { monotonicFactory } from 'ulid';
import { hooks } from '../domain/crm';
import type { DomainEvent, StoredEvent } from '../domain/events';
import type { Env } from '../shared/env';
import { ApiKeys, DEFAULT_RATE_LIMIT, withRate, type ApiKey, type Authorized } from './api-keys';
import { runJobs, wakeBy, type BackgroundJob } from './background';
import { EventStore } from './event-store';
import { CommandShell } from './command-shell';
import { ChainAuditor, type VerifyOutcome, type VerifyQuery } from './chain-auditor';
import { HistoryReader, type FieldChange, type HistoryQuery } from './history-reader';
import { CommandWriter, type CommandInput, type WriteOutcome } from './command-writer';
import { EntityReader, type ReadOutcome, type ReadQuery } from './entity-reader';
import { GroupCommit } from './group-commit';
import { HookJobs } from './hook-jobs';
import { HookRunner } from './hook-runner';
import { IdempotencyStore } from './idempotency-store';
import { LifecycleRpc } from './lifecycle-rpc';
import { RescoreJob } from './rescore-job';
import type { SettingsPatch } from '../domain/settings';
import type { BatchInput, BatchOutcome, ProvenanceOutcome, ScoreOutcome, SettingsOutcome } from './lifecycle-rpc';
import { Outbox } from './outbox';
import { StreamNotice } from './stream-notice';
import { log } from '../shared/log';
import { failure, ok, type CallContext, type Failure, type Idempotency, type Result, type Scope } from '../shared/protocol';
import { migrate } from './schema';
import { ReplayRpc, type ErasureOutcome, type ExportPage, type ImportProgress } from './replay-rpc';
import { Compactor, scratchSide, type ScratchRow } from './compactor';
import { Transactions } from './unit-of-work';

export type { CommandInput, ReadOutcome, ReadQuery, WriteOutcome };

export class TenantLog extends DurableObject<Env> {
  /** The one way a write opens a transaction; memory mirrors of SQLite join it. */
  private readonly tx: Transactions;
  private readonly store: EventStore;
  private readonly keys: ApiKeys;
  private readonly idempotency: IdempotencyStore;
  /** Runs commands through the lifecycle pipeline (domain/pipeline.ts) in one transaction each. */
  private readonly shell: CommandShell;
  private readonly hookRunner: HookRunner;
  private readonly lifecycle: LifecycleRpc;
  private readonly rescore: RescoreJob;
  private readonly outbox: Outbox;
  private readonly writer: CommandWriter;
  private readonly reader: EntityReader;
  private readonly history: HistoryReader;
  private readonly auditor: ChainAuditor;
  /** Nudges the tenant's StreamHub after commits (durable-objects/stream-notice.ts). */
  private readonly streams: StreamNotice;
  /** Writes arriving together share one commit; after-hooks run once per group. */
  private readonly writes = new GroupCommit(() => this.runAfterHooks());
  private readonly nextId = monotonicFactory();
  /** Work the alarm drives; each job registers here in the constructor. */
  private readonly background: BackgroundJob[] = [];

  /** Export, import, erasure (issue 10). */
  private readonly replay: ReplayRpc;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // An erasure's copy back that a restart interrupted is finished before anything else runs.
    const scratchId = env.TENANT_LOG.idFromName(`${ctx.id.toString()}~erasure-scratch`);
    const scratch = () => env.TENANT_LOG.get(scratchId) as unknown as TenantLog;
    const resume = new Compactor(ctx, scratch);
    if (resume.interrupted()) {
      void ctx.blockConcurrencyWhile(async () => (await resume.copyBack(), this.store.reloadHead()));
    }
    ctx.storage.transactionSync(() => migrate(ctx.storage.sql));
    this.outbox = new Outbox({ sql: ctx.storage.sql, queue: env.EVENTS, tenant: () => this.tenantName(), wakeBy: (at) => this.wakeBy(at) });
    this.background.push({ name: 'outbox', run: () => this.outbox.drain() });
    this.tx = new Transactions(ctx.storage);
    this.store = new EventStore(ctx.storage.sql, (events) => this.outbox.record(events));
    this.tx.join(this.store);
    // After each commit, the tenant's StreamHub hears the new head (durable-objects/stream-notice.ts).
    this.streams = new StreamNotice(env, () => this.tenantName(), () => this.store.headSeq);
    this.tx.join(this.streams);
    this.keys = new ApiKeys(ctx.storage.sql);
    this.idempotency = new IdempotencyStore(ctx.storage.sql, this.tx);
    const jobs = new HookJobs(ctx.storage.sql, hooks);
    this.shell = new CommandShell(this.tx, ctx.storage.sql, this.store, hooks, jobs, this.nextId);
    this.hookRunner = new HookRunner(this.shell, jobs, hooks, this.store);
    // Jobs a crash left between their commit and their run (nothing armed the alarm): run them now it is awake.
    const pendingHooks = jobs.nextDue();
    if (pendingHooks !== null) {
      this.wakeBy(pendingHooks).catch((error) => log.warn('after-hooks: arming the alarm failed', { error }));
    }
    this.rescore = new RescoreJob(ctx.storage.sql, this.store, this.shell);
    this.tx.join(this.rescore);
    this.lifecycle = new LifecycleRpc(this.tx, this.store, this.shell, jobs, this.idempotency, this.rescore);
    this.background.push({ name: 'after-hooks', run: () => this.hookRunner.runDue(Date.now()) });
    this.shell.onCommandEvents((events) => this.rescore.noteEvents(events));
    this.background.push({ name: 'rescore', run: async () => this.rescore.runChunk(Date.now()) });
    this.writer = new CommandWriter(this.tx, this.store, this.shell, this.idempotency);
    this.reader = new EntityReader(this.store);
    this.history = new HistoryReader(ctx.storage.sql);
    this.auditor = new ChainAuditor(ctx.storage.sql, () => this.store.headSeq);
    this.replay = new ReplayRpc({
      ctx,
      tx: this.tx,
      store: this.store,
      scratch,
      newEventId: () => this.nextId(Date.now()),
      wakeBy: (at) => this.wakeBy(at),
    });
  }

  /** Runs one write command: decide, append, fold and remember its answer, atomically. */
  async execute(call: CallContext, input: CommandInput, idempotency?: Idempotency): Promise<Result<WriteOutcome>> {
    return this.writes.submit(() => this.executeNow(call, input, idempotency));
  }

  /** The synchronous body of execute, run inside a commit group (the bench loops call it directly). */
  protected executeNow(call: CallContext, input: CommandInput, idempotency?: Idempotency): Result<WriteOutcome> {
    const auth = this.authorize(call, 'write');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(this.unit('execute', () => this.writer.write(auth.actor, input, Date.now(), call.requestId, idempotency)), auth);
  }

  /** Runs the after-hooks the last commit queued (they see committed state); failures wake the alarm. */
  protected async runAfterHooks(): Promise<void> {
    const next = await this.hookRunner.runDue(Date.now());
    if (next !== null) await this.wakeBy(next);
    // The first engagement schedules the daily rescore (recency decays with time).
    const daily = this.rescore.wakeRequested ? this.rescore.nextDaily() : null;
    this.rescore.wakeRequested = false;
    if (daily !== null) await this.wakeBy(daily);
  }

  /** Up to 1,000 writes; atomic: one transaction, all or nothing (DESIGN §4). */
  async batch(call: CallContext, input: BatchInput, idempotency?: Idempotency): Promise<Result<BatchOutcome>> {
    return this.writes.submit((): Result<BatchOutcome> => {
      const auth = this.authorize(call, 'write');
      if ('code' in auth) return { ok: false, error: auth };
      return withRate(this.unit('batch', () => this.lifecycle.batch(auth.actor, input, call.requestId, idempotency)), auth);
    });
  }

  /** The lead score of a contact, line by line, as the model computes it now. */
  async score(call: CallContext, id: string): Promise<Result<ScoreOutcome>> {
    const auth = this.authorize(call, 'read');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(this.lifecycle.score(id, Date.now()), auth);
  }

  /** Where each field's value came from: the event that last set it (enrich: its source). */
  async provenance(call: CallContext, id: string): Promise<Result<ProvenanceOutcome>> {
    const auth = this.authorize(call, 'read');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(this.lifecycle.provenance(id), auth);
  }

  async settings(call: CallContext): Promise<Result<SettingsOutcome>> {
    const auth = this.authorize(call, 'read');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(ok(this.lifecycle.settings()), auth);
  }

  /** Changes tenant settings through a `Settings.Updated` event (admin). */
  async updateSettings(call: CallContext, patch: SettingsPatch, idempotency?: Idempotency): Promise<Result<SettingsOutcome>> {
    const auth = this.authorize(call, 'admin');
    if ('code' in auth) return { ok: false, error: auth };
    // New weights rescore every contact: one chunk in the settings change's unit of work, the rest by alarm.
    const answer = this.unit('settings', () =>
      this.lifecycle.updateSettings(auth.actor, patch, call.requestId, idempotency),
    );
    // Committed: nothing after this may fail the answer; an unarmed rescore runs with the next alarm.
    try {
      if (this.rescore.pending()) await this.wakeBy(Date.now());
    } catch (error) {
      log.warn('settings: could not arm the rescore alarm', { error });
    }
    return withRate(answer, auth);
  }

  /** After-hook bookkeeping: jobs by status (pending, done, abandoned). */
  async hookStatus(call: CallContext): Promise<Result<Record<string, number>>> {
    const auth = this.authorize(call, 'read');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(ok(this.lifecycle.hookStatus()), auth);
  }

  /** Reads one entity, strongly consistent, optionally as of a past seq or time. */
  async read(call: CallContext, query: ReadQuery): Promise<Result<ReadOutcome>> {
    const auth = this.authorize(call, 'read');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(this.reader.read(query), auth);
  }

  /** The log as stored events after a seq: what subscribers and the export read. */
  async events(
    call: CallContext,
    query: { after: number; limit: number; types?: readonly string[] },
  ): Promise<Result<{ events: StoredEvent[]; head: number }>> {
    const auth = this.authorize(call, 'read');
    if ('code' in auth) return { ok: false, error: auth };
    const events = this.store.eventsAfter(query.after, query.limit, query.types);
    return withRate(ok({ events, head: this.store.headSeq }), auth);
  }

  /** One entity's history (merged sources included), a page after a seq. */
  async entityEvents(call: CallContext, query: HistoryQuery): Promise<Result<{ events: StoredEvent[]; head: number }>> {
    const auth = this.authorize(call, 'read');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(this.history.events(query), auth);
  }

  /** One stored field's values over time. */
  async fieldHistory(call: CallContext, query: { noun: string; id: string; field: string }): Promise<Result<{ changes: FieldChange[]; head: number }>> {
    const auth = this.authorize(call, 'read');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(this.history.field(query.noun, query.id, query.field), auth);
  }

  /** Verifies the hash chain and the state folded from it, in bounded runs (a break is a finding, not an error). */
  async verifyChain(call: CallContext, query: VerifyQuery): Promise<Result<VerifyOutcome>> {
    const auth = this.authorize(call, 'read');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(await this.auditor.run(query), auth);
  }

  /** Projections pull events in seq order after their checkpoint (internal: no credential). */
  async pull(after: number, limit: number): Promise<{ events: StoredEvent[]; head: number }> {
    return { events: this.store.eventsAfter(after, limit), head: this.store.headSeq };
  }

  /** A fact the tenant's StreamHub records in the log (Webhook.Disabled); internal: no credential. */
  async recordFact(event: DomainEvent): Promise<number> {
    const meta = { actor: 'system', nowMs: Date.now() };
    return this.writes.submit(() => this.shell.transact(meta, (uow) => uow.append([event]).at(-1)!.seq));
  }

  /** Creates an API key; the secret is returned here once and stored only as a hash. */
  async createKey(call: CallContext, input: { name: string; scopes: Scope[]; rateLimit?: number; hash: string }): Promise<Result<ApiKey>> {
    const auth = this.authorize(call, 'admin');
    if ('code' in auth) return { ok: false, error: auth };
    const now = Date.now();
    const row = { ...input, id: `key_${this.nextId(now)}`, rateLimit: input.rateLimit ?? DEFAULT_RATE_LIMIT };
    const time = new Date(now).toISOString();
    return withRate(this.unit('createKey', () => ok(this.tx.run(() => this.keys.create({ ...row, time })))), auth);
  }

  async listKeys(call: CallContext): Promise<Result<ApiKey[]>> {
    const auth = this.authorize(call, 'admin');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(ok(this.keys.list()), auth);
  }

  async revokeKey(call: CallContext, id: string): Promise<Result<null>> {
    const auth = this.authorize(call, 'admin');
    if ('code' in auth) return { ok: false, error: auth };
    const revoked = this.unit('revokeKey', () =>
      this.tx.run(() => this.keys.revoke(id, new Date().toISOString()))
        ? ok(null)
        : failure('not_found', `no active key ${id}`),
    );
    if (revoked.ok) this.streams.revoked(`key:${id}`);
    return withRate(revoked, auth);
  }

  /** A page of the export: lines in seq order after `after` (admin). */
  async exportPage(call: CallContext, after: number): Promise<Result<ExportPage>> {
    const auth = this.authorize(call, 'admin');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(this.replay.exportPage(after), auth);
  }

  /** The head of the chain, for a signed checkpoint (admin). */
  async head(call: CallContext): Promise<Result<{ seq: number; hash: string }>> {
    const auth = this.authorize(call, 'admin');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(ok(this.replay.head()), auth);
  }

  /** Opens an import into this empty tenant (admin); 409 when it has events. */
  async importBegin(call: CallContext, id: string): Promise<Result<ImportProgress>> {
    const auth = this.authorize(call, 'admin');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(this.unit('importBegin', () => this.replay.importer.begin(id)), auth);
  }

  /** Verifies, folds and stages a page of export lines; the first broken one refuses the import. */
  async importPage(call: CallContext, id: string, text: string): Promise<Result<ImportProgress>> {
    const auth = this.authorize(call, 'admin');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(this.unit('importPage', () => this.replay.importer.page(id, text)), auth);
  }

  /** Makes a fully verified import live in one transaction. */
  async importCommit(call: CallContext, id: string): Promise<Result<ImportProgress>> {
    const auth = this.authorize(call, 'admin');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(await this.replay.importCommit(id), auth);
  }

  /** Drops an unfinished import. */
  async importAbort(call: CallContext, id: string): Promise<Result<null>> {
    const auth = this.authorize(call, 'admin');
    if ('code' in auth) return { ok: false, error: auth };
    this.replay.importer.abort(id);
    return withRate(ok(null), auth);
  }

  /** GDPR erasure of a contact's personal data from every stored byte; a chained record says what went (admin). */
  async erase(call: CallContext, id: string): Promise<Result<ErasureOutcome>> {
    const auth = this.authorize(call, 'admin');
    if ('code' in auth) return { ok: false, error: auth };
    return withRate(await this.replay.erase(id, auth.actor, call.requestId ?? null), auth);
  }

  /** Scratch side of an erasure's compaction (internal: reached only through another TenantLog). */
  async scratchReset(): Promise<void> {
    await scratchSide.reset(this.ctx.storage);
  }

  async scratchPut(rows: ScratchRow[]): Promise<void> {
    this.ctx.storage.transactionSync(() => scratchSide.put(this.ctx.storage.sql, rows));
  }

  async scratchRead(after: number, limit: number): Promise<ScratchRow[]> {
    return scratchSide.read(this.ctx.storage.sql, after, limit);
  }

  /** Runs the background jobs and re-arms the alarm for the earliest one still pending. */
  override async alarm(): Promise<void> {
    const next = await runJobs(this.background, Date.now());
    if (next !== null) await wakeBy(this.ctx.storage, next);
  }

  /** Asks the alarm to run by `at` (epoch ms) at the latest. */
  protected async wakeBy(at: number): Promise<void> {
    await wakeBy(this.ctx.storage, at);
  }

  /** The cheapest call there is: the head seq. Used for health checks and as the bench's baseline. */
  async ping(): Promise<number> {
    return this.store.headSeq;
  }

  /** Checks a caller's scope (and rate limit) for routes served elsewhere, e.g. the read model. */
  async check(call: CallContext, scope: Scope): Promise<Result<{ actor: string }>> {
    const auth = this.authorize(call, scope);
    return 'code' in auth ? { ok: false, error: auth } : withRate(ok({ actor: auth.actor }), auth);
  }

  // The tenant this log belongs to, for outbox messages. An alarm may wake the object without its
  // name, so the name is kept in meta the first time it is seen.
  private tenant: string | undefined;
  private tenantName(): string | undefined {
    if (this.tenant) return this.tenant;
    const named = this.ctx.id.name;
    const stored = this.ctx.storage.sql.exec("SELECT value FROM meta WHERE key = 'tenant'").toArray()[0]?.['value'];
    if (named && stored === undefined) this.ctx.storage.sql.exec("INSERT INTO meta (key, value) VALUES ('tenant', ?)", named);
    this.tenant = named ?? (stored === undefined ? undefined : String(stored));
    return this.tenant;
  }

  // A unit of work that threw has rolled back whole: answered as a Result, not thrown (a thrown error
  // loses its shape across RPC), saying nothing was written.
  private unit<T>(name: string, body: () => Result<T>): Result<T> {
    try {
      return body();
    } catch (error) {
      log.error('unit of work rolled back', { unit: name, error });
      return failure('internal', 'an internal error; nothing was written');
    }
  }

  private authorize(call: CallContext, scope: Scope): Authorized | Failure {
    return this.keys.authorize(call.principal, scope, Date.now());
  }
}
