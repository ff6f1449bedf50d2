// TenantLog: one Durable Object per tenant, holding its hash-chained event log and the state folded
// from it. A thin door: each RPC method checks its caller once (`authorized`) and hands over. Every
// write goes through the command service (command-service.ts: what happens on a write, in one file);
// reads go to the readers. Its collaborators are wired in tenant-parts.ts; the object drives the alarm.
import { DurableObject } from 'cloudflare:workers';
import { monotonicFactory } from 'ulid';
import type { DomainEvent, StoredEvent } from '../domain/events';
import type { SettingsPatch } from '../domain/settings';
import type { Env } from '../shared/env';
import { ok, type CallContext, type Idempotency, type Result, type Scope } from '../shared/protocol';
import { withRate, type ApiKey } from './api-keys';
import { runJobs, wakeBy } from './background';
import type { VerifyOutcome, VerifyQuery } from './chain-auditor';
import type { BatchInput, BatchOutcome, CommandInput, WriteOutcome, Writer } from './command-service';
import { scratchSide, type ScratchRow } from './compactor';
import type { ReadOutcome, ReadQuery } from './entity-reader';
import { GroupCommit } from './group-commit';
import type { FieldChange, HistoryQuery } from './history-reader';
import type { ProvenanceOutcome, ScoreOutcome, SettingsOutcome } from './lifecycle-rpc';
import type { ErasureOutcome, ExportPage, ImportProgress } from './replay-rpc';
import { tenantParts, type TenantParts } from './tenant-parts';

export type { CommandInput, ReadOutcome, ReadQuery, WriteOutcome };

export class TenantLog extends DurableObject<Env> {
  /** Its collaborators, wired in tenant-parts.ts. */
  private readonly parts: TenantParts;
  /** Writes arriving together share one commit; after-hooks run once per group. */
  private readonly writes = new GroupCommit(() => this.runAfterHooks());
  private readonly nextId = monotonicFactory();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const scratchId = env.TENANT_LOG.idFromName(`${ctx.id.toString()}~erasure-scratch`);
    this.parts = tenantParts(ctx, env, {
      tenantName: () => this.tenantName(),
      wakeBy: (at) => this.wakeBy(at),
      scratch: () => env.TENANT_LOG.get(scratchId) as unknown as TenantLog,
      nextId: this.nextId,
    });
  }

  /** Runs one write command: decide, append, fold and remember its answer, atomically. */
  async execute(call: CallContext, input: CommandInput, idempotency?: Idempotency): Promise<Result<WriteOutcome>> {
    return this.writes.submit(() => this.executeNow(call, input, idempotency));
  }

  /** The synchronous body of execute, run inside a commit group (the bench loops call it directly). */
  protected executeNow(call: CallContext, input: CommandInput, idempotency?: Idempotency): Result<WriteOutcome> {
    return this.authorized(call, 'write', (by) => this.parts.commands.write(by, input, idempotency));
  }

  /** Runs the after-hooks the last commit queued (they see committed state); failures wake the alarm. */
  protected async runAfterHooks(): Promise<void> {
    const next = await this.parts.hookRunner.runDue(Date.now());
    if (next !== null) await this.wakeBy(next);
    // The first engagement schedules the daily rescore (recency decays with time).
    const daily = this.parts.rescore.wakeRequested ? this.parts.rescore.nextDaily() : null;
    this.parts.rescore.wakeRequested = false;
    if (daily !== null) await this.wakeBy(daily);
  }

  /** Up to 1,000 writes; atomic: one transaction, all or nothing (DESIGN §4). */
  async batch(call: CallContext, input: BatchInput, idempotency?: Idempotency): Promise<Result<BatchOutcome>> {
    return this.writes.submit(() =>
      this.authorized(call, 'write', (by) => this.parts.commands.batch(by, input, idempotency)),
    );
  }

  /** The lead score of a contact, line by line, as the model computes it now. */
  async score(call: CallContext, id: string): Promise<Result<ScoreOutcome>> {
    return this.authorized(call, 'read', () => this.parts.lifecycle.score(id, Date.now()));
  }

  /** Where each field's value came from: the event that last set it (enrich: its source). */
  async provenance(call: CallContext, id: string): Promise<Result<ProvenanceOutcome>> {
    return this.authorized(call, 'read', () => this.parts.lifecycle.provenance(id));
  }

  /** The tenant's settings: qualify threshold and score weights. */
  async settings(call: CallContext): Promise<Result<SettingsOutcome>> {
    return this.authorized(call, 'read', () => ok(this.parts.lifecycle.settings()));
  }

  /** Changes tenant settings through a `Settings.Updated` event (admin); new weights rescore every contact. */
  async updateSettings(
    call: CallContext,
    patch: SettingsPatch,
    idempotency?: Idempotency,
  ): Promise<Result<SettingsOutcome>> {
    return this.authorized(call, 'admin', (by) => this.parts.commands.updateSettings(by, patch, idempotency));
  }

  /** After-hook bookkeeping: jobs by status (pending, done, abandoned). */
  async hookStatus(call: CallContext): Promise<Result<Record<string, number>>> {
    return this.authorized(call, 'read', () => ok(this.parts.lifecycle.hookStatus()));
  }

  /** Reads one entity, strongly consistent, optionally as of a past seq or time. */
  async read(call: CallContext, query: ReadQuery): Promise<Result<ReadOutcome>> {
    return this.authorized(call, 'read', () => this.parts.reader.read(query));
  }

  /** The log as stored events after a seq: what subscribers and the export read. */
  async events(
    call: CallContext,
    query: { after: number; limit: number; types?: readonly string[] },
  ): Promise<Result<{ events: StoredEvent[]; head: number }>> {
    const events = () => this.parts.store.eventsAfter(query.after, query.limit, query.types);
    return this.authorized(call, 'read', () => ok({ events: events(), head: this.parts.store.headSeq }));
  }

  /** One entity's history (merged sources included), a page after a seq. */
  async entityEvents(call: CallContext, query: HistoryQuery): Promise<Result<{ events: StoredEvent[]; head: number }>> {
    return this.authorized(call, 'read', () => this.parts.history.events(query));
  }

  /** One stored field's values over time. */
  async fieldHistory(
    call: CallContext,
    query: { noun: string; id: string; field: string },
  ): Promise<Result<{ changes: FieldChange[]; head: number }>> {
    return this.authorized(call, 'read', () => this.parts.history.field(query.noun, query.id, query.field));
  }

  /** Verifies the hash chain and the state folded from it, in bounded runs (a break is a finding, not an error). */
  async verifyChain(call: CallContext, query: VerifyQuery): Promise<Result<VerifyOutcome>> {
    return this.authorized(call, 'read', () => this.parts.auditor.run(query));
  }

  /** Projections pull events in seq order after their checkpoint (internal: no credential). */
  async pull(after: number, limit: number): Promise<{ events: StoredEvent[]; head: number }> {
    return { events: this.parts.store.eventsAfter(after, limit), head: this.parts.store.headSeq };
  }

  /** The same page as one JSON text (event-page.ts): what the read model pulls, cheaper to build and to send. */
  async pullPage(after: number, limit: number): Promise<{ page: string; head: number }> {
    return { page: this.parts.store.eventPageAfter(after, limit), head: this.parts.store.headSeq };
  }

  /** The tenant's StreamHub has a subscriber again: nudge it after each commit (internal); the head. */
  async listen(epoch: number): Promise<number> {
    this.parts.streams.listen(epoch);
    return this.parts.store.headSeq;
  }

  /** A fact the tenant's StreamHub records in the log (Webhook.Disabled); internal: no credential. */
  async recordFact(event: DomainEvent): Promise<number> {
    return this.writes.submit(() => this.parts.commands.recordFact(event));
  }

  /** Creates an API key; the secret is returned here once and stored only as a hash. */
  async createKey(
    call: CallContext,
    input: { name: string; scopes: Scope[]; rateLimit?: number; hash: string },
  ): Promise<Result<ApiKey>> {
    return this.authorized(call, 'admin', () => this.parts.commands.createKey(input));
  }

  async listKeys(call: CallContext): Promise<Result<ApiKey[]>> {
    return this.authorized(call, 'admin', () => ok(this.parts.keys.list()));
  }

  async revokeKey(call: CallContext, id: string): Promise<Result<null>> {
    return this.authorized(call, 'admin', () => this.parts.commands.revokeKey(id));
  }

  /** A page of the export: lines in seq order after `after` (admin). */
  async exportPage(call: CallContext, after: number): Promise<Result<ExportPage>> {
    return this.authorized(call, 'admin', () => this.parts.replay.exportPage(after));
  }

  /** The head of the chain, for a signed checkpoint (admin). */
  async head(call: CallContext): Promise<Result<{ seq: number; hash: string }>> {
    return this.authorized(call, 'admin', () => ok(this.parts.replay.head()));
  }

  /** Opens an import into this empty tenant (admin); 409 when it has events. */
  async importBegin(call: CallContext, id: string): Promise<Result<ImportProgress>> {
    const begin = () => this.parts.commands.guarded('importBegin', () => this.parts.replay.importer.begin(id));
    return this.authorized(call, 'admin', begin);
  }

  /** Verifies, folds and stages a page of export lines; the first broken one refuses the import. */
  async importPage(call: CallContext, id: string, text: string): Promise<Result<ImportProgress>> {
    const page = () => this.parts.commands.guarded('importPage', () => this.parts.replay.importer.page(id, text));
    return this.authorized(call, 'admin', page);
  }

  /** Makes a fully verified import live in one transaction. */
  async importCommit(call: CallContext, id: string): Promise<Result<ImportProgress>> {
    return this.authorized(call, 'admin', () => this.parts.replay.importCommit(id));
  }

  /** Drops an unfinished import. */
  async importAbort(call: CallContext, id: string): Promise<Result<null>> {
    return this.authorized(call, 'admin', () => (this.parts.replay.importer.abort(id), ok(null)));
  }

  /** GDPR erasure of a contact's personal data from every stored byte; a chained record says what went (admin). */
  async erase(call: CallContext, id: string): Promise<Result<ErasureOutcome>> {
    return this.authorized(call, 'admin', (by) => this.parts.replay.erase(id, by.actor, call.requestId ?? null));
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
    const next = await runJobs(this.parts.background, Date.now());
    if (next !== null) await wakeBy(this.ctx.storage, next);
  }

  /** Asks the alarm to run by `at` (epoch ms) at the latest. */
  protected async wakeBy(at: number): Promise<void> {
    await wakeBy(this.ctx.storage, at);
  }

  /** The cheapest call there is: the head seq. Used for health checks and as the bench's baseline. */
  async ping(): Promise<number> {
    return this.parts.store.headSeq;
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
    if (named && stored === undefined)
      this.ctx.storage.sql.exec("INSERT INTO meta (key, value) VALUES ('tenant', ?)", named);
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
    const auth = this.parts.keys.authorize(call.principal, scope, Date.now());
    if ('code' in auth) return { ok: false, error: auth };
    const answer = body({ actor: auth.actor, requestId: call.requestId });
    return answer instanceof Promise ? answer.then((done) => withRate(done, auth)) : withRate(answer, auth);
  }
}
