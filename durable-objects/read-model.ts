// ReadModel: one Durable Object per tenant holding the read projection (SQLite tables derived from the
// nouns). It pulls the events after its checkpoint from the tenant's log, in seq order, and applies
// them with the new checkpoint in one transaction: a queue message is only a nudge, so duplicated,
// reordered or lost messages cannot corrupt it. A rebuild fills the next generation of tables beside
// the live one and swaps when it has caught up, while queries keep answering from the live one.
import { DurableObject } from 'cloudflare:workers';
import type { StoredEvent } from '../domain/events';
import { answerGraph, type GraphAnswer, type GraphQuery } from '../projections/graphs';
import type { ListQuery } from '../projections/list-query';
import { Generations, type Generation } from '../projections/generations';
import { ReadView, type Page } from '../projections/read-view';
import type { Env } from '../workers/env';
import { failure, ok, type Failure, type Result } from './protocol';
import type { TenantLog } from './tenant-log';
import { log } from '../workers/log';

export const PULL_PAGE = 2_000;
/** How long a read with X-Min-Seq waits for the projection before answering 503. */
export const MIN_SEQ_WAIT_MS = 10_000;

export interface Answer<T> {
  readonly value: T;
  /** The seq the answer reflects: X-Projection-Seq. */
  readonly seq: number;
}

export interface ProjectionStatus {
  readonly checkpoint: number;
  readonly head: number;
  readonly lag: number;
  readonly generation: number;
  readonly rebuilding: { readonly generation: number; readonly checkpoint: number } | null;
}

type LogPuller = Pick<TenantLog, 'pull' | 'ping'>;

export class ReadModel extends DurableObject<Env> {
  protected readonly sql: SqlStorage;
  private catching: Promise<number> | undefined;
  private rebuildRun: Promise<void> | undefined;

  protected readonly generations: Generations;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.generations = new Generations(this.sql);
    ctx.storage.transactionSync(() => this.generations.setUp());
  }

  /** Pulls and applies everything the log has after the checkpoint. The queue consumer's nudge. */
  async catchUp(tenant: string): Promise<Result<{ checkpoint: number; head: number }>> {
    try {
      const head = await this.advance(tenant);
      return ok({ checkpoint: this.live().checkpoint, head });
    } catch (error) {
      log.warn('read model: catch-up failed', { tenant, error });
      return failure('unavailable', `the projection could not catch up: ${String(error)}`, { extra: { retryAfter: 1 } });
    }
  }

  /** A list query, answered once the projection reached minSeq (or 503 after MIN_SEQ_WAIT_MS). */
  async list(tenant: string, query: ListQuery, minSeq = 0): Promise<Result<Answer<Page>>> {
    const waited = await this.ready(tenant, minSeq);
    if (waited) return { ok: false, error: waited };
    const live = this.live();
    return ok({ value: new ReadView(this.sql, live.generation).list(query), seq: live.checkpoint });
  }

  async graph(tenant: string, query: GraphQuery, minSeq = 0): Promise<Result<Answer<GraphAnswer>>> {
    const waited = await this.ready(tenant, minSeq);
    if (waited) return { ok: false, error: waited };
    const live = this.live();
    const answer = answerGraph(new ReadView(this.sql, live.generation), query);
    return answer.ok ? ok({ value: answer.value, seq: live.checkpoint }) : answer;
  }

  async status(tenant: string): Promise<Result<ProjectionStatus>> {
    let head: number;
    try {
      head = await this.log(tenant).ping();
    } catch (error) {
      return failure('unavailable', `the tenant log did not answer: ${String(error)}`, { extra: { retryAfter: 1 } });
    }
    const live = this.live();
    const next = this.rebuilding();
    return ok({ checkpoint: live.checkpoint, head, lag: Math.max(0, head - live.checkpoint), generation: live.generation, rebuilding: next ?? null });
  }

  /** Starts filling a new generation from seq 0; the live one keeps answering until the swap. */
  async rebuild(tenant: string): Promise<Result<ProjectionStatus>> {
    this.remember(tenant);
    this.ctx.storage.transactionSync(() => this.generations.startRebuild());
    await this.ctx.storage.setAlarm(Date.now() + 1_000);
    // The alarm resumes a rebuild this run leaves unfinished.
    void this.continueRebuild(tenant).catch((error) => log.warn('read model: rebuild interrupted', { tenant, error }));
    return this.status(tenant);
  }

  /** Resumes a rebuild the object was evicted in the middle of. */
  override async alarm(): Promise<void> {
    const tenant = this.generations.meta('tenant');
    if (tenant !== undefined && this.rebuilding()) await this.continueRebuild(tenant);
  }

  protected continueRebuild(tenant: string): Promise<void> {
    this.rebuildRun ??= this.rebuildLoop(tenant).finally(() => (this.rebuildRun = undefined));
    return this.rebuildRun;
  }

  private async rebuildLoop(tenant: string): Promise<void> {
    for (let next = this.rebuilding(); next; next = this.rebuilding()) {
      const { events } = await this.log(tenant).pull(next.checkpoint, PULL_PAGE);
      this.applyTo(next.generation, events);
      if (events.length === PULL_PAGE) continue;
      await this.advance(tenant);
      this.ctx.storage.transactionSync(() => this.generations.swapIfCaughtUp());
    }
  }

  // Reads are fresh by default: the model pulls what the log has first (nothing, usually, as the queue
  // keeps it warm). With X-Min-Seq it keeps pulling until minSeq is reached, for MIN_SEQ_WAIT_MS at most.
  private async ready(tenant: string, minSeq: number): Promise<Failure | undefined> {
    const deadline = Date.now() + MIN_SEQ_WAIT_MS;
    for (;;) {
      await this.advance(tenant).catch((error) => log.warn('read model: pull failed', { tenant, error }));
      const checkpoint = this.live().checkpoint;
      if (checkpoint >= minSeq) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return { code: 'unavailable', message: `the projection is at seq ${checkpoint}, not yet at ${minSeq}; retry shortly`, extra: { retryAfter: 1, projectionSeq: checkpoint } };
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, left)));
    }
  }

  // One pull loop at a time: two would apply the same events twice.
  private advance(tenant: string): Promise<number> {
    this.remember(tenant);
    this.catching ??= this.pullLoop(tenant).finally(() => (this.catching = undefined));
    return this.catching;
  }

  // The next page is asked for before this one is applied, so the log reads while the model writes.
  private async pullLoop(tenant: string): Promise<number> {
    const log = this.log(tenant);
    let pending = log.pull(this.live().checkpoint, PULL_PAGE);
    for (;;) {
      const { events, head } = await pending;
      const full = events.length === PULL_PAGE;
      if (full) {
        pending = log.pull(events.at(-1)!.seq, PULL_PAGE);
        pending.catch(() => undefined); // still thrown when awaited; not unhandled if the apply fails first
      }
      this.applyTo(this.live().generation, events);
      if (!full) return head;
    }
  }

  /** Applies the events past a generation's checkpoint, and moves it, in one transaction. */
  private applyTo(generation: number, events: readonly StoredEvent[]): void {
    if (events.length) this.ctx.storage.transactionSync(() => this.generations.apply(generation, events));
  }

  protected live(): Generation {
    return this.generations.live();
  }

  private rebuilding(): Generation | undefined {
    return this.generations.rebuilding();
  }

  private remembered = false;
  private remember(tenant: string): void {
    if (this.remembered) return;
    this.remembered = true;
    this.generations.rememberOnce('tenant', tenant);
  }

  private log(tenant: string): LogPuller {
    return this.env.TENANT_LOG.get(this.env.TENANT_LOG.idFromName(tenant)) as unknown as LogPuller;
  }
}
