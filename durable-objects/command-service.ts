// What happens on a write, in one file. Every write request of a tenant is one unit of work
// (unit-of-work.ts): one SQLite transaction, and memory moves only when it commits.
//
//   unit(name)                         a throw anywhere below rolls everything back; answered here
//   └─ tx.run                          the one transaction of the request
//      └─ idempotency.once             replay the first answer under the Idempotency-Key, or run on:
//         └─ shell.runHere | runPart   decide → append + fold (EventStore; outbox rows in the same
//                                      transaction) → before-hooks → after-hook jobs queued
//         remember the answer          kept under the key, in the same transaction
//   after commit: the group's after-hooks run, StreamHub hears the head, the alarm drains the outbox
//
// `refusalOf` and `unit` are the one place a failure becomes an answer: a domain refusal keeps its
// code, anything unexpected is `internal` (nothing was written); the edge alone knows HTTP statuses.
import { represent, type Entity, type Representation } from '../domain/entity';
import { DomainError } from '../domain/errors';
import type { DomainEvent } from '../domain/events';
import type { CommandOutcome } from '../domain/pipeline';
import type { SettingsPatch } from '../domain/settings';
import type { CommandDraft } from '../domain/verbs/drafts';
import { log } from '../shared/log';
import { failure, ok, type Failure, type Idempotency, type Result, type Scope } from '../shared/protocol';
import { DEFAULT_RATE_LIMIT, type ApiKey, type ApiKeys } from './api-keys';
import { OperationFailed, type CommandShell, type TxMeta } from './command-shell';
import type { EventStore } from './event-store';
import { refusingTooLarge, type Answer, type IdempotencyStore } from './idempotency-store';
import type { LifecycleRpc, SettingsOutcome } from './lifecycle-rpc';
import type { RescoreJob } from './rescore-job';
import type { StreamNotice } from './stream-notice';
import type { Transactions } from './unit-of-work';

/** A command as the edge sends it: ids (a create's, a capture's) are minted here, in the log. */
export type CommandInput = CommandDraft;

export interface WriteOutcome {
  readonly created: boolean;
  /** The entity after the write; absent after a delete. */
  readonly entity?: Representation;
  /** The log position the write reached (the head, for a no-op). */
  readonly seq: number;
}

export interface BatchInput {
  readonly operations: readonly CommandDraft[];
  readonly atomic: boolean;
}

export type OperationResult =
  | { readonly ok: true; readonly created: boolean; readonly entity?: Representation }
  | { readonly ok: false; readonly error: Failure };

export interface BatchOutcome {
  readonly results: readonly OperationResult[];
  readonly seq: number;
}

/** Who writes, and the request id their events carry as correlation id. */
export interface Writer {
  readonly actor: string;
  readonly requestId?: string | undefined;
}

// What an Idempotency-Key keeps of a success: the entity by id, rendered again as of its seq. These are
// stored for 24 hours, so their shapes stay as they are.
interface KeptWrite {
  readonly created: boolean;
  readonly id: string | null;
  readonly seq: number;
}
type KeptOperation =
  | { readonly ok: true; readonly created: boolean; readonly id: string | null; readonly at: number }
  | { readonly ok: false; readonly error: Failure };
interface KeptBatch {
  readonly results: readonly KeptOperation[];
  readonly seq: number;
}

interface Shown {
  readonly result: OperationResult;
  readonly kept: KeptOperation;
}

type Meta = TxMeta & { readonly nowMs: number };

/** A domain refusal as an answer; undefined for anything else (which must roll the unit back). */
function refusalOf(error: unknown): Failure | undefined {
  if (error instanceof OperationFailed) return error.error.detail;
  if (error instanceof DomainError) return error.detail;
  return undefined;
}

/** An atomic batch's refusal: which operation, and why; the whole batch rolled back. */
function batchRefusalOf(error: unknown): Failure | undefined {
  if (!(error instanceof OperationFailed)) return refusalOf(error);
  return failure('operation_failed', `operation ${error.index} failed, nothing was written: ${error.error.message}`, {
    extra: { operation: error.index, cause: error.error.detail },
  }).error;
}

export interface CommandServiceParts {
  readonly tx: Transactions;
  readonly store: EventStore;
  readonly shell: CommandShell;
  readonly idempotency: IdempotencyStore;
  readonly rescore: RescoreJob;
  readonly reads: LifecycleRpc;
  readonly keys: ApiKeys;
  readonly streams: StreamNotice;
  readonly newId: (nowMs: number) => string;
  readonly wakeBy: (at: number) => Promise<void>;
}

export class CommandService {
  constructor(private readonly parts: CommandServiceParts) {}

  /** One command, answered with its entity as it now stands. */
  write(by: Writer, input: CommandInput, idempotency?: Idempotency): Result<WriteOutcome> {
    const meta = this.metaOf(by);
    const { shell, store } = this.parts;
    const replay = (kept: unknown) => this.replayWrite(kept as KeptWrite);
    const written = (outcome: CommandOutcome): Answer<WriteOutcome> => {
      const entity = store.get(outcome.subject);
      const seq = outcome.events.at(-1)?.seq ?? store.headSeq;
      const shown = entity && !entity.deletedAt ? entity : undefined;
      const kept: KeptWrite = { created: outcome.created, id: shown?.id ?? null, seq };
      return { result: ok({ ...this.representation(outcome.created, shown), seq }), kept };
    };
    return this.unit('execute', meta, idempotency, replay, () => {
      const commands = [shell.complete(input, meta.nowMs)];
      // Under a key the command is a part of the unit, so that its refusal rolls back alone and the unit
      // still commits the remembered answer; without one a refusal rolls back the whole unit.
      if (idempotency === undefined) return written(shell.runHere(commands, meta)[0]!);
      return this.refusedAlone(() => written(shell.runPart(commands, meta)[0]!));
    });
  }

  /** Up to 1,000 writes in one unit of work; atomic: all or nothing (DESIGN §4). */
  batch(by: Writer, input: BatchInput, idempotency?: Idempotency): Result<BatchOutcome> {
    const meta = this.metaOf(by);
    const replay = (kept: unknown) => this.replayBatch(kept as KeptBatch);
    const keyed = idempotency !== undefined;
    const body = () => (input.atomic ? this.atomic(input.operations, meta, keyed) : this.independent(input, meta));
    return this.unit('batch', meta, idempotency, replay, body, batchRefusalOf);
  }

  /** A `Settings.Updated` event and, if the weights changed, the first chunk of the rescore; the rest by alarm. */
  async updateSettings(by: Writer, patch: SettingsPatch, idempotency?: Idempotency): Promise<Result<SettingsOutcome>> {
    const meta = this.metaOf(by);
    const { shell, rescore, reads } = this.parts;
    const replay = (kept: unknown) => reads.settingsAt(Number(kept));
    const answer = this.unit('settings', meta, idempotency, replay, (): Answer<SettingsOutcome> => {
      const { result } = this.refusedAlone(() => ({ result: ok(shell.runPart([{ kind: 'settings', patch }], meta)) }));
      if (!result.ok) return { result };
      if (rescore.pending()) rescore.chunkIn(meta.nowMs);
      const settings = reads.settings();
      return { result: ok(settings), kept: settings.seq };
    });
    // Committed: nothing after this may fail the answer; an unarmed rescore runs with the next alarm.
    try {
      if (rescore.pending()) await this.parts.wakeBy(Date.now());
    } catch (error) {
      log.warn('settings: could not arm the rescore alarm', { error });
    }
    return answer;
  }

  /** A fact another object records in the log (the StreamHub's Webhook.Disabled); its seq. */
  recordFact(event: DomainEvent): number {
    const meta = { actor: 'system', nowMs: Date.now() };
    return this.parts.shell.transact(meta, (uow) => uow.append([event]).at(-1)!.seq);
  }

  /** Creates an API key; the secret is returned once by the edge and stored only as a hash. */
  createKey(input: { name: string; scopes: Scope[]; rateLimit?: number; hash: string }): Result<ApiKey> {
    const now = Date.now();
    const row = { ...input, id: `key_${this.parts.newId(now)}`, rateLimit: input.rateLimit ?? DEFAULT_RATE_LIMIT };
    const time = new Date(now).toISOString();
    return this.guarded('createKey', () => ok(this.parts.tx.run(() => this.parts.keys.create({ ...row, time }))));
  }

  /** Revokes a key; its stream subscribers are closed once that commits. */
  revokeKey(id: string): Result<null> {
    const { tx, keys, streams } = this.parts;
    const revoked = this.guarded('revokeKey', () =>
      tx.run(() => keys.revoke(id, new Date().toISOString())) ? ok(null) : failure('not_found', `no active key ${id}`),
    );
    if (revoked.ok) streams.revoked(`key:${id}`);
    return revoked;
  }

  /**
   * The one place a unit of work's failure becomes an answer. A unit that threw has rolled back whole; it
   * is answered as a Result, not thrown (a thrown error loses its shape across RPC): a domain refusal with
   * its code, an answer too large to keep under its key with 413, anything else as internal.
   */
  guarded<T>(name: string, body: () => Result<T>, refuse: (e: unknown) => Failure | undefined = refusalOf): Result<T> {
    try {
      return refusingTooLarge(body);
    } catch (error) {
      const refusal = refuse(error);
      if (refusal) return { ok: false, error: refusal };
      log.error('unit of work rolled back', { unit: name, error });
      return failure('internal', 'an internal error; nothing was written');
    }
  }

  // The request's unit of work: one transaction around the write and its remembered answer.
  private unit<T>(
    name: string,
    meta: Meta,
    idempotency: Idempotency | undefined,
    replay: (kept: unknown) => T,
    body: () => Answer<T>,
    refuse?: (error: unknown) => Failure | undefined,
  ): Result<T> {
    const { tx, idempotency: answers } = this.parts;
    const once = () => answers.once(meta.actor, idempotency, meta.nowMs, replay, body);
    return this.guarded(name, () => tx.run(once), refuse);
  }

  // A part of the unit that may be refused alone: the refusal is the answer (kept under the key), the
  // part's writes rolled back, and the unit goes on to commit.
  private refusedAlone<T>(body: () => Answer<T>, refuse = refusalOf): Answer<T> {
    try {
      return body();
    } catch (error) {
      const refusal = refuse(error);
      if (!refusal) throw error;
      return { result: { ok: false, error: refusal } };
    }
  }

  private metaOf(by: Writer): Meta {
    return { actor: by.actor, nowMs: Date.now(), correlationId: by.requestId ?? null };
  }

  // Under a key the operations are one part of the unit, so that a refusal rolls them back alone and
  // the unit still commits the remembered answer.
  private atomic(operations: readonly CommandDraft[], meta: Meta, keyed: boolean): Answer<BatchOutcome> {
    const { shell } = this.parts;
    const commands = operations.map((op) => shell.complete(op, meta.nowMs));
    if (!keyed) return this.answered(shell.runHere(commands, meta).map((o) => this.shown(o.subject, o.created)));
    const run = () => this.answered(shell.runPart(commands, meta).map((o) => this.shown(o.subject, o.created)));
    return this.refusedAlone(run, batchRefusalOf);
  }

  // Each operation is a part of the unit of work: a refusal rolls back that operation alone.
  private independent(input: BatchInput, meta: Meta): Answer<BatchOutcome> {
    const { shell } = this.parts;
    const one = (op: CommandDraft): Shown => {
      try {
        const [outcome] = shell.runPart([shell.complete(op, meta.nowMs)], meta);
        return this.shown(outcome!.subject, outcome!.created);
      } catch (error) {
        const refusal = refusalOf(error);
        if (!refusal) throw error;
        return { result: { ok: false, error: refusal }, kept: { ok: false, error: refusal } };
      }
    };
    return this.answered(input.operations.map(one));
  }

  // An operation's entity as it stands now (atomic: after the whole batch; independent: after its own
  // operation), and the reference that renders it again.
  private shown(subject: string, created: boolean): Shown {
    const entity = this.parts.store.get(subject);
    const live = entity && !entity.deletedAt ? entity : undefined;
    const kept: KeptOperation = { ok: true, created, id: live?.id ?? null, at: this.parts.store.headSeq };
    return { result: { ok: true, ...this.representation(created, live) }, kept };
  }

  private representation(created: boolean, entity: Entity | undefined) {
    return { created, ...(entity && !entity.deletedAt ? { entity: represent(entity) } : {}) };
  }

  private answered(shown: readonly Shown[]): Answer<BatchOutcome> {
    const seq = this.parts.store.headSeq;
    const kept: KeptBatch = { results: shown.map((s) => s.kept), seq };
    return { result: ok({ results: shown.map((s) => s.result), seq }), kept };
  }

  private replayWrite(kept: KeptWrite): WriteOutcome {
    const entity = kept.id === null ? undefined : this.parts.store.entityAt(kept.id, kept.seq);
    return { ...this.representation(kept.created, entity), seq: kept.seq };
  }

  private replayBatch(kept: KeptBatch): BatchOutcome {
    const refs = kept.results.flatMap((r) => (r.ok && r.id !== null ? [{ id: r.id, at: r.at }] : []));
    const entities = this.parts.store.entitiesAt(refs);
    let next = 0;
    const results = kept.results.map(
      (r): OperationResult =>
        r.ok ? { ok: true, ...this.representation(r.created, r.id === null ? undefined : entities[next++]) } : r,
    );
    return { results, seq: kept.seq };
  }
}
