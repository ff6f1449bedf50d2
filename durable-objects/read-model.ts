// ReadModel: one Durable Object per tenant holding the read projection (SQLite tables derived from the
// nouns). It pulls the events after its checkpoint from the tenant's log, in seq order, and applies
// them with the new checkpoint in one transaction: a queue message is only a nudge, so duplicated,
// reordered or lost messages cannot corrupt it. A rebuild fills the next generation of tables beside
// the live one and swaps when it has caught up, while queries keep answering from the live one.
// A generation that cannot advance (a gap, an event the projector cannot apply, a log that does not
// answer) records where and why, and its alarm retries with backoff until the cause is gone.
import { DurableObject } from 'cloudflare:workers';
import type { StoredEvent } from '../domain/events';
import { answerGraph, type GraphAnswer, type GraphQuery } from '../projections/graphs';
import type { ListQuery } from '../projections/list-query';
import { Generations, messageOf, type Generation, type Stuck, type StuckAt } from '../projections/generations';
import { ReadView, type Page } from '../projections/read-view';
import type { Env } from '../shared/env';
import { failure, ok, type Failure, type Result } from '../shared/protocol';
import { parseEventPage } from './event-page';
import type { TenantLog } from './tenant-log';
import { log } from '../shared/log';

export const PULL_PAGE = 2_000;
/** How long a read with X-Min-Seq waits for the projection before answering 503. */
export const MIN_SEQ_WAIT_MS = 10_000;
/** Retries of a stuck generation back off from 1 s to this. */
export const STUCK_RETRY_MAX_MS = 300_000;

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
  /** Why the live generation cannot advance past its checkpoint; null when it can. */
  readonly stuck: Stuck | null;
  readonly rebuilding: (Generation & { readonly stuck: Stuck | null }) | null;
}

/** What one catch-up reached: the log's head, and where it stopped if it could not get there. */
export interface Progress {
  readonly head: number;
  readonly stuck?: StuckAt;
}

type LogPuller = Pick<TenantLog, 'pullPage' | 'ping'>;
type LogPage = { events: StoredEvent[]; head: number };

export class ReadModel extends DurableObject<Env> {
  protected readonly sql: SqlStorage;
  private catching: Promise<Progress> | undefined;
  private rebuildRun: Promise<void> | undefined;

  protected readonly generations: Generations;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.generations = new Generations(this.sql, (body) => ctx.storage.transactionSync(body));
    ctx.storage.transactionSync(() => this.generations.setUp());
  }

  /** Pulls and applies everything the log has after the checkpoint. The queue consumer's nudge. */
  async catchUp(tenant: string): Promise<Result<{ checkpoint: number; head: number; stuck: Stuck | null }>> {
    try {
      const { head, stuck } = await this.advance(tenant);
      const live = this.live();
      const recorded = stuck ? (this.generations.stuck(live.generation) ?? { ...stuck, since: '', attempts: 1 }) : null;
      return ok({ checkpoint: live.checkpoint, head, stuck: recorded });
    } catch (error) {
      log.warn('read model: catch-up failed', { tenant, error });
      return failure('unavailable', `the projection could not catch up: ${String(error)}`, {
        extra: { retryAfter: 1 },
      });
    }
  }

  /** A list query, answered once the projection reached minSeq (or 503 after MIN_SEQ_WAIT_MS). */
  async list(tenant: string, query: ListQuery, minSeq = 0): Promise<Result<Answer<Page>>> {
    return this.fresh(tenant, minSeq, (view) => ok(view.list(query)));
  }

  /** A graph walk (managers, reports, an organization's contacts or chart), once minSeq is reached. */
  async graph(tenant: string, query: GraphQuery, minSeq = 0): Promise<Result<Answer<GraphAnswer>>> {
    return this.fresh(tenant, minSeq, (view) => answerGraph(view, query));
  }

  // A query on the live generation once it has reached minSeq, answered with the seq it reflects.
  private async fresh<T>(
    tenant: string,
    minSeq: number,
    query: (view: ReadView) => Result<T>,
  ): Promise<Result<Answer<T>>> {
    const waited = await this.ready(tenant, minSeq);
    if (waited) return { ok: false, error: waited };
    const live = this.live();
    const answer = query(new ReadView(this.sql, live.generation));
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
    const stuck = (generation: number) => this.generations.stuck(generation) ?? null;
    return ok({
      checkpoint: live.checkpoint,
      head,
      lag: Math.max(0, head - live.checkpoint),
      generation: live.generation,
      stuck: stuck(live.generation),
      rebuilding: next ? { ...next, stuck: stuck(next.generation) } : null,
    });
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

  /**
   * After an erasure in the log: forgets every table (deleteAll resets the database and WAL files, so no
   * old row's bytes stay) and refills from seq 0 of the redacted log, while reads wait.
   */
  async wipe(tenant: string): Promise<Result<{ checkpoint: number }>> {
    // A pull under way finishes first: inside the block its continuation could not run (input gate).
    await this.catching?.catch(() => undefined);
    await this.rebuildRun?.catch(() => undefined);
    await this.ctx.blockConcurrencyWhile(async () => {
      await this.ctx.storage.deleteAll();
      // A pull that started since is left to finish later: it finds its events below the new checkpoint.
      this.catching = undefined;
      this.rebuildRun = undefined;
      this.remembered = false;
      this.ctx.storage.transactionSync(() => this.generations.setUp());
      await this.advance(tenant);
    });
    return ok({ checkpoint: this.live().checkpoint });
  }

  /** Resumes a rebuild the object was evicted in the middle of, and retries a stuck generation. */
  override async alarm(): Promise<void> {
    const tenant = this.generations.meta('tenant');
    if (tenant === undefined) return;
    if (this.rebuilding()) await this.continueRebuild(tenant);
    if (this.generations.stuck(this.live().generation)) await this.advance(tenant);
  }

  protected continueRebuild(tenant: string): Promise<void> {
    this.rebuildRun ??= this.rebuildLoop(tenant).finally(() => (this.rebuildRun = undefined));
    return this.rebuildRun;
  }

  // The rebuild pulls on its own, so a live generation that is stuck cannot hold it up: once the new
  // generation has gone as far as the log lets it, the live one is caught up as far as it can be, and
  // the new one swaps in if it is at least as far (or at the log's head, if the live one is past it).
  // Stuck short of the live checkpoint, it waits for the alarm's retry instead.
  private async rebuildLoop(tenant: string): Promise<void> {
    for (let next = this.rebuilding(); next; next = this.rebuilding()) {
      const generation = next.generation;
      const building = () => this.rebuilding()?.generation === generation;
      const progress = await this.pullInto(tenant, generation, building);
      // The indexes the bare tables deferred, one a transaction with reads let in between; the swap adds
      // the full-text rows.
      while (building() && this.ctx.storage.transactionSync(() => this.generations.buildDeferredIndex(generation)))
        await new Promise((resolve) => setTimeout(resolve, 0));
      const { head } = await this.advance(tenant);
      const swapped = this.ctx.storage.transactionSync(() => this.generations.swapIfCaughtUp(head));
      if (!swapped && progress.stuck) return;
    }
  }

  // Reads are fresh by default: the model pulls what the log has first (nothing, usually, as the queue
  // keeps it warm). With X-Min-Seq it keeps pulling until minSeq is reached, for MIN_SEQ_WAIT_MS at most.
  private async ready(tenant: string, minSeq: number): Promise<Failure | undefined> {
    const deadline = Date.now() + MIN_SEQ_WAIT_MS;
    for (;;) {
      const { stuck } = await this.advance(tenant).catch((error): Progress => {
        log.warn('read model: pull failed', { tenant, error });
        return { head: 0 };
      });
      const checkpoint = this.live().checkpoint;
      if (checkpoint >= minSeq) return undefined;
      // Waiting cannot help a projection that is stuck below the asked seq: say so now.
      if (stuck && stuck.seq <= minSeq) {
        const message = `the projection is stuck at seq ${stuck.seq} (${stuck.reason}); it retries by itself`;
        return { code: 'unavailable', message, extra: { retryAfter: 1, projectionSeq: checkpoint } };
      }
      const left = deadline - Date.now();
      if (left <= 0)
        return {
          code: 'unavailable',
          message: `the projection is at seq ${checkpoint}, not yet at ${minSeq}; retry shortly`,
          extra: { retryAfter: 1, projectionSeq: checkpoint },
        };
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, left)));
    }
  }

  // One pull loop at a time on the live generation: two would apply the same events twice. It stops
  // when a swap replaced the generation it was filling.
  private advance(tenant: string): Promise<Progress> {
    this.remember(tenant);
    const { generation } = this.live();
    this.catching ??= this.pullInto(tenant, generation, () => this.live().generation === generation).finally(
      () => (this.catching = undefined),
    );
    return this.catching;
  }

  // Pulls the log past a generation's checkpoint and applies it page by page until the log's head, or
  // until it is stuck (recorded, with the alarm armed to retry). The next page is asked for before this
  // one is applied, so the log reads while the model writes.
  private async pullInto(tenant: string, generation: number, current: () => boolean): Promise<Progress> {
    const log = this.log(tenant);
    let after = this.generations.checkpointOf(generation) ?? 0;
    // A page travels as one JSON text (durable-objects/event-page.ts), parsed here.
    const pull = (from: number): Promise<LogPage> =>
      log.pullPage(from, PULL_PAGE).then(({ page, head }) => ({ events: parseEventPage(page), head }));
    let pending = pull(after);
    for (;;) {
      let page: LogPage;
      try {
        page = await pending;
      } catch (error) {
        const reason = `the tenant log did not serve the events after seq ${after}: ${messageOf(error)}`;
        const stuck = { seq: after + 1, reason };
        return this.stuckAt(generation, stuck, await log.ping().catch(() => after));
      }
      if (!current()) return { head: page.head };
      const { events, head } = page;
      // More to pull while the page ends short of the head: a page is cut by bytes as well as by count.
      const full = events.length > 0 && events.at(-1)!.seq < head;
      if (full) {
        after = events.at(-1)!.seq;
        pending = pull(after);
        pending.catch(() => undefined); // still thrown when awaited; not unhandled if the apply stops first
      }
      const stuck = this.generations.advance(generation, events, full ? undefined : head, new Date().toISOString());
      if (stuck) return this.stuckAt(generation, stuck, head, false);
      if (!full) return { head };
    }
  }

  // Records why a generation cannot advance and arms the alarm to retry it with backoff.
  private async stuckAt(generation: number, stuck: StuckAt, head: number, record = true): Promise<Progress> {
    if (record) this.generations.mark(generation, stuck, new Date().toISOString());
    const attempts = this.generations.stuck(generation)?.attempts ?? 1;
    const delay = Math.min(STUCK_RETRY_MAX_MS, 1_000 * 2 ** Math.min(attempts - 1, 20));
    const armed = await this.ctx.storage.getAlarm();
    if (armed === null || armed > Date.now() + delay) await this.ctx.storage.setAlarm(Date.now() + delay);
    return { head, stuck };
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
