// The imperative shell around the pipeline: runs commands in the request's unit of work (read,
// decide, append + fold, rescore, before-hooks, after-hook jobs). It opens no transaction of its own:
// `transact` is the unit of work (Transactions.run), `runPart` a part of the open one.
import { DomainError } from '../domain/errors';
import type { DomainEvent, StoredEvent } from '../domain/events';
import type { HookRegistry } from '../domain/hooks';
import { runCommand, type CommandOutcome, type UnitOfWork } from '../domain/pipeline';
import type { AnyCommand } from '../domain/verbs/commands';
import { completeCommand, type CommandDraft } from '../domain/verbs/drafts';
import { nounByName } from '../domain/nouns';
import { settingsOf, SETTINGS_ID, type Settings } from '../domain/settings';
import type { EventStore } from './event-store';
import type { HookJobs } from './hook-jobs';
import { LifecycleQueries } from './lifecycle-queries';
import type { Transactions } from './unit-of-work';
import type { Entity } from '../domain/entity';
import type { LifecycleView } from '../domain/lifecycle-view';

export interface TxMeta {
  readonly actor: string;
  readonly nowMs: number;
  readonly correlationId?: string | null;
  /** The event that caused these commands (an after-hook's trigger). */
  readonly causationId?: string | null;
  /** How many after-hooks deep these commands are: their own after-hooks run at depth + 1. */
  readonly depth?: number;
}

/** Operation `index` of a batch failed; the batch rolled back. */
export class OperationFailed extends Error {
  constructor(
    readonly index: number,
    readonly error: DomainError,
  ) {
    super(`operation ${index} failed: ${error.message}`);
  }
}

export class CommandShell {
  private readonly queries: LifecycleQueries;
  /** Told of every command's events inside their transaction (e.g. a weights change starts a rescore). */
  private readonly listeners: ((events: readonly StoredEvent[]) => void)[] = [];
  /**
   * Settings parsed from the stored entity, kept for as long as the event store hands out the same entity
   * object: derived from the store's cache, so every append, rollback or reload of the store renews it.
   */
  private parsedSettings: { from: Entity | undefined; settings: Settings } | undefined;

  constructor(
    private readonly tx: Transactions,
    sql: SqlStorage,
    private readonly store: EventStore,
    private readonly hooks: HookRegistry,
    private readonly jobs: HookJobs,
    private readonly nextId: (nowMs: number) => string,
  ) {
    this.queries = new LifecycleQueries(sql);
  }

  private settings(): Settings {
    const entity = this.store.get(SETTINGS_ID);
    if (!this.parsedSettings || this.parsedSettings.from !== entity) {
      this.parsedSettings = { from: entity, settings: settingsOf(entity) };
    }
    return this.parsedSettings.settings;
  }

  /** A fresh entity id; the store knows no row has it, so a create does not read it back first. */
  mint(noun: string, nowMs: number): string {
    const id = `${nounByName.get(noun)?.idPrefix ?? noun.toLowerCase()}_${this.nextId(nowMs)}`;
    this.store.minted(id);
    return id;
  }

  complete(draft: CommandDraft, nowMs: number): AnyCommand {
    return completeCommand(draft, (noun) => this.mint(noun, nowMs), new Date(nowMs).toISOString());
  }

  /** Runs commands in the open unit of work, with no savepoint: a refusal throws OperationFailed out of it. */
  runHere(commands: readonly AnyCommand[], meta: TxMeta): CommandOutcome[] {
    return this.within(meta, (uow, time) => this.runIn(uow, time, commands, meta));
  }

  /**
   * Runs commands as one part of the open unit of work: a refusal rolls back these commands only
   * (and what they queued) and throws OperationFailed(index); the rest of the unit goes on.
   */
  runPart(commands: readonly AnyCommand[], meta: TxMeta): CommandOutcome[] {
    const time = new Date(meta.nowMs).toISOString();
    return this.tx.part(() => this.runIn(this.unitOfWork(meta, time), time, commands, meta));
  }

  /** Runs commands inside an open transaction and queues their after-hooks. */
  runIn(uow: UnitOfWork, time: string, commands: readonly AnyCommand[], meta: TxMeta): CommandOutcome[] {
    const outcomes = commands.map((command, index) => {
      try {
        return runCommand(command, uow, { time, hooks: this.hooks, causationId: meta.causationId ?? null });
      } catch (error) {
        if (error instanceof DomainError) throw new OperationFailed(index, error);
        throw error;
      }
    });
    const events = outcomes.flatMap((o) => o.events);
    this.jobs.enqueue(events, meta.depth ?? 0, meta.nowMs, (noun) => this.mint(noun, meta.nowMs));
    for (const listener of this.listeners) listener(events);
    return outcomes;
  }

  onCommandEvents(listener: (events: readonly StoredEvent[]) => void): void {
    this.listeners.push(listener);
  }

  /** A unit of work (the only transaction) over these commands; memory follows only if it commits. */
  transact<T>(meta: TxMeta, body: (uow: UnitOfWork, time: string) => T): T {
    const time = new Date(meta.nowMs).toISOString();
    return this.tx.run(() => body(this.unitOfWork(meta, time), time));
  }

  /** The pipeline's view for writes inside the open unit of work that are not commands (a rescore). */
  within<T>(meta: TxMeta, body: (uow: UnitOfWork, time: string) => T): T {
    this.tx.require();
    const time = new Date(meta.nowMs).toISOString();
    return body(this.unitOfWork(meta, time), time);
  }

  /** What the pipeline reads, outside any write (score breakdowns). */
  readView(): LifecycleView {
    return this.unitOfWork({ actor: 'read', nowMs: 0 }, '');
  }

  private unitOfWork(meta: TxMeta, time: string): UnitOfWork {
    const { store, queries } = this;
    return {
      get: (id) => store.get(id),
      findUnique: (noun, field, normalized) => store.findUnique(noun, field, normalized),
      referencing: (target, field, sourceType, limit) => store.referencing(target, field, sourceType, limit),
      findMergedByEmail: (normalized) => queries.findMergedByEmail(normalized),
      countReferencing: (target, field, groups) => queries.countReferencing(target, field, groups),
      settings: () => this.settings(),
      append: (events: readonly DomainEvent[], causationId?: string | null): StoredEvent[] => {
        return store.append(events, {
          time,
          actor: meta.actor,
          newEventId: () => this.nextId(meta.nowMs),
          causationId: causationId ?? meta.causationId ?? null,
          correlationId: meta.correlationId ?? null,
        });
      },
    };
  }
}
