// TenantLog: one Durable Object per tenant, holding its hash-chained event log and the state folded
// from it. A thin door: each RPC method checks its caller once (`authorized`) and hands over. Every
// write goes through the command service (command-service.ts: what happens on a write, in one file);
// reads go to the readers. The object wires them together and drives the alarm.
import { DurableObject } from 'cloudflare:workers';
import { monotonicFactory } from 'ulid';
import { hooks } from '../domain/crm';
import type { DomainEvent, StoredEvent } from '../domain/events';
import type { Env } from '../shared/env';
import { ApiKeys, withRate, type ApiKey } from './api-keys';
import { runJobs, wakeBy, type BackgroundJob } from './background';
import { EventStore } from './event-store';
import { CommandShell } from './command-shell';
import { ChainAuditor, type VerifyOutcome, type VerifyQuery } from './chain-auditor';
import { HistoryReader, type FieldChange, type HistoryQuery } from './history-reader';
import {
  CommandService, type BatchInput, type BatchOutcome, type CommandInput, type WriteOutcome, type Writer,
} from './command-service';
import { EntityReader, type ReadOutcome, type ReadQuery } from './entity-reader';
import { GroupCommit } from './group-commit';
import { HookJobs } from './hook-jobs';
import { HookRunner } from './hook-runner';
import { IdempotencyStore } from './idempotency-store';
import { LifecycleRpc } from './lifecycle-rpc';
import { RescoreJob } from './rescore-job';
import type { SettingsPatch } from '../domain/settings';
import type { ProvenanceOutcome, ScoreOutcome, SettingsOutcome } from './lifecycle-rpc';
import { Outbox } from './outbox';
import { StreamNotice } from './stream-notice';
import { log } from '../shared/log';
import { ok, type CallContext, type Idempotency, type Result, type Scope } from '../shared/protocol';
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
  private readonly hookRunner: HookRunner;
  private readonly lifecycle: LifecycleRpc;
  private readonly rescore: RescoreJob;
  private readonly outbox: Outbox;
  /** Every write: decide → append + fold → hooks → outbox → idempotency, in one unit of work. */
  private readonly commands: CommandService;
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
    const idempotency = new IdempotencyStore(ctx.storage.sql, this.tx);
    const jobs = new HookJobs(ctx.storage.sql, hooks);
    const shell = new CommandShell(this.tx, ctx.storage.sql, this.store, hooks, jobs, this.nextId);
    this.hookRunner = new HookRunner(shell, jobs, hooks, this.store);
    // Jobs a crash left between their commit and their run (nothing armed the alarm): run them now it is awake.
    const pendingHooks = jobs.nextDue();
    if (pendingHooks !== null) {
      this.wakeBy(pendingHooks).catch((error) => log.warn('after-hooks: arming the alarm failed', { error }));
    }
    this.rescore = new RescoreJob(ctx.storage.sql, this.store, shell);
    this.tx.join(this.rescore);
    this.lifecycle = new LifecycleRpc(this.store, shell, jobs);
    this.background.push({ name: 'after-hooks', run: () => this.hookRunner.runDue(Date.now()) });
    shell.onCommandEvents((events) => this.rescore.noteEvents(events));
    this.background.push({ name: 'rescore', run: async () => this.rescore.runChunk(Date.now()) });
    this.commands = new CommandService({
      tx: this.tx,
      store: this.store,
      shell,
      idempotency,
      rescore: this.rescore,
      reads: this.lifecycle,
      keys: this.keys,
      streams: this.streams,
      newId: (nowMs) => this.nextId(nowMs),
      wakeBy: (at) => this.wakeBy(at),
    });
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
    return this.authorized(call, 'write', (by) => this.commands.write(by, input, idempotency));
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
    return this.writes.submit(() =>
      this.authorized(call, 'write', (by) => this.commands.batch(by, input, idempotency)),
    );
  }

  /** The lead score of a contact, line by line, as the model computes it now. */
  async score(call: CallContext, id: string): Promise<Result<ScoreOutcome>> {
    return this.authorized(call, 'read', () => this.lifecycle.score(id, Date.now()));
  }

  /** Where each field's value came from: the event that last set it (enrich: its source). */
  async provenance(call: CallContext, id: string): Promise<Result<ProvenanceOutcome>> {
    return this.authorized(call, 'read', () => this.lifecycle.provenance(id));
  }

  /** The tenant's settings: qualify threshold and score weights. */
  async settings(call: CallContext): Promise<Result<SettingsOutcome>> {
    return this.authorized(call, 'read', () => ok(this.lifecycle.settings()));
  }

  /** Changes tenant settings through a `Settings.Updated` event (admin); new weights rescore every contact. */
  async updateSettings(
    call: CallContext,
    patch: SettingsPatch,
    idempotency?: Idempotency,
  ): Promise<Result<SettingsOutcome>> {
    return this.authorized(call, 'admin', (by) => this.commands.updateSettings(by, patch, idempotency));
  }

  /** After-hook bookkeeping: jobs by status (pending, done, abandoned). */
  async hookStatus(call: CallContext): Promise<Result<Record<string, number>>> {
    return this.authorized(call, 'read', () => ok(this.lifecycle.hookStatus()));
  }

  /** Reads one entity, strongly consistent, optionally as of a past seq or time. */
  async read(call: CallContext, query: ReadQuery): Promise<Result<ReadOutcome>> {
    return this.authorized(call, 'read', () => this.reader.read(query));
  }

  /** The log as stored events after a seq: what subscribers and the export read. */
  async events(
    call: CallContext,
    query: { after: number; limit: number; types?: readonly string[] },
  ): Promise<Result<{ events: StoredEvent[]; head: number }>> {
    const events = () => this.store.eventsAfter(query.after, query.limit, query.types);
    return this.authorized(call, 'read', () => ok({ events: events(), head: this.store.headSeq }));
  }

  /** One entity's history (merged sources included), a page after a seq. */
  async entityEvents(call: CallContext, query: HistoryQuery): Promise<Result<{ events: StoredEvent[]; head: number }>> {
    return this.authorized(call, 'read', () => this.history.events(query));
  }

  /** One stored field's values over time. */
  async fieldHistory(
    call: CallContext,
    query: { noun: string; id: string; field: string },
  ): Promise<Result<{ changes: FieldChange[]; head: number }>> {
    return this.authorized(call, 'read', () => this.history.field(query.noun, query.id, query.field));
  }

  /** Verifies the hash chain and the state folded from it, in bounded runs (a break is a finding, not an error). */
  async verifyChain(call: CallContext, query: VerifyQuery): Promise<Result<VerifyOutcome>> {
    return this.authorized(call, 'read', () => this.auditor.run(query));
  }

  /** Projections pull events in seq order after their checkpoint (internal: no credential). */
  async pull(after: number, limit: number): Promise<{ events: StoredEvent[]; head: number }> {
    return { events: this.store.eventsAfter(after, limit), head: this.store.headSeq };
  }

  /** A fact the tenant's StreamHub records in the log (Webhook.Disabled); internal: no credential. */
  async recordFact(event: DomainEvent): Promise<number> {
    return this.writes.submit(() => this.commands.recordFact(event));
  }

  /** Creates an API key; the secret is returned here once and stored only as a hash. */
  async createKey(
    call: CallContext,
    input: { name: string; scopes: Scope[]; rateLimit?: number; hash: string },
  ): Promise<Result<ApiKey>> {
    return this.authorized(call, 'admin', () => this.commands.createKey(input));
  }

  async listKeys(call: CallContext): Promise<Result<ApiKey[]>> {
    return this.authorized(call, 'admin', () => ok(this.keys.list()));
  }

  async revokeKey(call: CallContext, id: string): Promise<Result<null>> {
    return this.authorized(call, 'admin', () => this.commands.revokeKey(id));
  }

  /** A page of the export: lines in seq order after `after` (admin). */
  async exportPage(call: CallContext, after: number): Promise<Result<ExportPage>> {
    return this.authorized(call, 'admin', () => this.replay.exportPage(after));
  }

  /** The head of the chain, for a signed checkpoint (admin). */
  async head(call: CallContext): Promise<Result<{ seq: number; hash: string }>> {
    return this.authorized(call, 'admin', () => ok(this.replay.head()));
  }

  /** Opens an import into this empty tenant (admin); 409 when it has events. */
  async importBegin(call: CallContext, id: string): Promise<Result<ImportProgress>> {
    const begin = () => this.commands.guarded('importBegin', () => this.replay.importer.begin(id));
    return this.authorized(call, 'admin', begin);
  }

  /** Verifies, folds and stages a page of export lines; the first broken one refuses the import. */
  async importPage(call: CallContext, id: string, text: string): Promise<Result<ImportProgress>> {
    const page = () => this.commands.guarded('importPage', () => this.replay.importer.page(id, text));
    return this.authorized(call, 'admin', page);
  }

  /** Makes a fully verified import live in one transaction. */
  async importCommit(call: CallContext, id: string): Promise<Result<ImportProgress>> {
    return this.authorized(call, 'admin', () => this.replay.importCommit(id));
  }

  /** Drops an unfinished import. */
  async importAbort(call: CallContext, id: string): Promise<Result<null>> {
    return this.authorized(call, 'admin', () => (this.replay.importer.abort(id), ok(null)));
  }

  /** GDPR erasure of a contact's personal data from every stored byte; a chained record says what went (admin). */
  async erase(call: CallContext, id: string): Promise<Result<ErasureOutcome>> {
    return this.authorized(call, 'admin', (by) => this.replay.erase(id, by.actor, call.requestId ?? null));
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
    return this.authorized(call, scope, (by) => ok({ actor: by.actor }));
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

  // The one check of a caller: its key (or the admin token) must grant `scope` and have rate left; the
  // answer carries the key's rate state for the RateLimit headers. Synchronous bodies stay synchronous
  // (executeNow runs inside a commit group).
  private authorized<T>(call: CallContext, scope: Scope, body: (by: Writer) => Result<T>): Result<T>;
  private authorized<T>(
    call: CallContext,
    scope: Scope,
    body: (by: Writer) => Promise<Result<T>>,
  ): Result<T> | Promise<Result<T>>;
  private authorized<T>(
    call: CallContext,
    scope: Scope,
    body: (by: Writer) => Result<T> | Promise<Result<T>>,
  ): Result<T> | Promise<Result<T>> {
    const auth = this.keys.authorize(call.principal, scope, Date.now());
    if ('code' in auth) return { ok: false, error: auth };
    const answer = body({ actor: auth.actor, requestId: call.requestId });
    return answer instanceof Promise ? answer.then((done) => withRate(done, auth)) : withRate(answer, auth);
  }
}
