// The lifecycle's RPC bodies behind TenantLog: batch, score breakdown, provenance, settings.
// TenantLog checks credentials and runs after-hooks; these run the commands, each write request as one
// unit of work (unit-of-work.ts), and shape the answers.
import { represent, type Entity, type Representation } from '../domain/entity';
import { DomainError } from '../domain/errors';
import { scoreOf } from '../domain/rescore';
import type { ScoreLine } from '../domain/scoring';
import { settingsOf, SETTINGS_ID, type Settings, type SettingsPatch } from '../domain/settings';
import type { CommandDraft } from '../domain/verbs/drafts';
import type { CommandShell } from './command-shell';
import { OperationFailed } from './command-shell';
import type { EventStore } from './event-store';
import type { HookJobs } from './hook-jobs';
import { refusingTooLarge, type Answer, type IdempotencyStore } from './idempotency-store';
import { failure, ok, type Failure, type Idempotency, type Result } from '../shared/protocol';
import type { RescoreJob } from './rescore-job';
import type { Transactions } from './unit-of-work';

export interface BatchInput {
  readonly operations: readonly CommandDraft[];
  readonly atomic: boolean;
}

export type OperationResult = { readonly ok: true; readonly created: boolean; readonly entity?: Representation } | { readonly ok: false; readonly error: Failure };

export interface BatchOutcome {
  readonly results: readonly OperationResult[];
  readonly seq: number;
}

export interface ScoreOutcome {
  readonly $id: string;
  /** The stored score, as last recomputed inside a write. */
  readonly leadScore: number;
  /** The model's total now; differs from leadScore only when engagement recency decayed since. */
  readonly total: number;
  readonly asOf: string;
  readonly lines: readonly ScoreLine[];
  readonly seq: number;
}

export interface ProvenanceOutcome {
  readonly $id: string;
  readonly fields: Readonly<Record<string, { source: string; event: string; seq: number; time: string; actor: string }>>;
}

export interface SettingsOutcome extends Settings {
  readonly $version: number;
  readonly seq: number;
}

/** What an Idempotency-Key keeps of one operation's success: the entity by id, as of `at`. */
type KeptOperation =
  | { readonly ok: true; readonly created: boolean; readonly id: string | null; readonly at: number }
  | { readonly ok: false; readonly error: Failure };

interface KeptBatch {
  readonly results: readonly KeptOperation[];
  readonly seq: number;
}

type Meta = { actor: string; nowMs: number; correlationId: string | null };

interface Shown {
  readonly result: OperationResult;
  readonly kept: KeptOperation;
}

function operationFailed(error: OperationFailed): Failure {
  return failure('operation_failed', `operation ${error.index} failed, nothing was written: ${error.error.message}`, {
    extra: { operation: error.index, cause: error.error.detail },
  }).error;
}

function refused(error: Failure): Shown {
  return { result: { ok: false, error }, kept: { ok: false, error } };
}

function resultOf(created: boolean, entity: Entity | undefined): OperationResult {
  return { ok: true, created, ...(entity && !entity.deletedAt ? { entity: represent(entity) } : {}) };
}

export class LifecycleRpc {
  constructor(
    private readonly tx: Transactions,
    private readonly store: EventStore,
    private readonly shell: CommandShell,
    private readonly jobs: HookJobs,
    private readonly idempotency: IdempotencyStore,
    private readonly rescore: RescoreJob,
  ) {}

  batch(actor: string, input: BatchInput, correlationId: string | undefined, idempotency?: Idempotency): Result<BatchOutcome> {
    const now = Date.now();
    const meta = { actor, nowMs: now, correlationId: correlationId ?? null };
    const replay = (kept: unknown) => this.replayBatch(kept as KeptBatch);
    const keyed = idempotency !== undefined;
    try {
      return refusingTooLarge(() =>
        this.tx.run(() =>
          this.idempotency.once(actor, idempotency, now, replay, () =>
            input.atomic
              ? this.atomic(input.operations, meta, keyed)
              : this.answered(input.operations.map((op) => this.one(op, meta))),
          ),
        ),
      );
    } catch (error) {
      // Without a key, an atomic batch's refusal rolls back the whole unit: it held nothing else.
      if (error instanceof OperationFailed) return { ok: false, error: operationFailed(error) };
      throw error;
    }
  }

  // Under a key the operations are one part of the unit, so that a refusal rolls them back alone and
  // the unit still commits the remembered answer.
  private atomic(operations: readonly CommandDraft[], meta: Meta, keyed: boolean): Answer<BatchOutcome> {
    const commands = operations.map((op) => this.shell.complete(op, meta.nowMs));
    if (!keyed) return this.answered(this.shell.runHere(commands, meta).map((o) => this.shown(o.subject, o.created)));
    try {
      return this.answered(this.shell.runPart(commands, meta).map((o) => this.shown(o.subject, o.created)));
    } catch (error) {
      if (!(error instanceof OperationFailed)) throw error;
      return { result: { ok: false, error: operationFailed(error) } };
    }
  }

  // Each operation is a part of the unit of work: a refusal rolls back that operation alone.
  private one(op: CommandDraft, meta: Meta): Shown {
    try {
      const [outcome] = this.shell.runPart([this.shell.complete(op, meta.nowMs)], meta);
      return this.shown(outcome!.subject, outcome!.created);
    } catch (error) {
      if (error instanceof OperationFailed) return refused(error.error.detail);
      if (error instanceof DomainError) return refused(error.detail);
      throw error;
    }
  }

  // An operation's entity as it stands now (atomic: after the whole batch; independent: after its own
  // operation), and the reference that renders it again.
  private shown(subject: string, created: boolean): Shown {
    const entity = this.store.get(subject);
    const live = entity && !entity.deletedAt ? entity : undefined;
    const kept: KeptOperation = { ok: true, created, id: live?.id ?? null, at: this.store.headSeq };
    return { result: resultOf(created, live), kept };
  }

  private answered(shown: readonly Shown[]): Answer<BatchOutcome> {
    const seq = this.store.headSeq;
    const kept: KeptBatch = { results: shown.map((s) => s.kept), seq };
    return { result: ok({ results: shown.map((s) => s.result), seq }), kept };
  }

  private replayBatch(kept: KeptBatch): BatchOutcome {
    const refs = kept.results.flatMap((r) => (r.ok && r.id !== null ? [{ id: r.id, at: r.at }] : []));
    const entities = this.store.entitiesAt(refs);
    let next = 0;
    const results = kept.results.map((r) =>
      r.ok ? resultOf(r.created, r.id === null ? undefined : entities[next++]) : r,
    );
    return { results, seq: kept.seq };
  }

  score(id: string, nowMs: number): Result<ScoreOutcome> {
    const contact = this.store.get(id);
    if (!contact || contact.type !== 'Contact') return failure('not_found', `no Contact ${id}`);
    if (contact.deletedAt) return failure('gone', `Contact ${id} was deleted`);
    if (contact.mergedInto) return failure('moved', `Contact ${id} was merged into ${contact.mergedInto}`, { extra: { location: contact.mergedInto } });
    const asOf = new Date(nowMs).toISOString();
    const score = scoreOf(id, contact.fields, this.shell.readView(), settingsOf(this.store.get(SETTINGS_ID)), asOf);
    return ok({ $id: id, leadScore: Number(contact.fields['leadScore'] ?? 0), total: score.total, asOf, lines: score.lines, seq: this.store.headSeq });
  }

  provenance(id: string): Result<ProvenanceOutcome> {
    const contact = this.store.get(id);
    if (!contact || contact.type !== 'Contact') return failure('not_found', `no Contact ${id}`);
    if (contact.deletedAt) return failure('gone', `Contact ${id} was deleted`);
    if (contact.mergedInto) return failure('moved', `Contact ${id} was merged into ${contact.mergedInto}`, { extra: { location: contact.mergedInto } });
    const fields: Record<string, ProvenanceOutcome['fields'][string]> = {};
    for (const event of this.store.eventsOf(id)) {
      const set = event.type.endsWith('.Created') ? Object.keys(event.data) : Object.keys((event.data['changes'] as object | undefined) ?? {});
      const sources = (event.data['provenance'] as Record<string, string> | undefined) ?? {};
      for (const field of set) fields[field] = { source: sources[field] ?? event.type, event: event.id, seq: event.seq, time: event.time, actor: event.actor };
    }
    for (const field of Object.keys(fields)) if (contact.fields[field] === undefined) delete fields[field];
    return ok({ $id: id, fields });
  }

  settings(): SettingsOutcome {
    const entity = this.store.get(SETTINGS_ID);
    return { ...settingsOf(entity), $version: entity?.version ?? 0, seq: this.store.headSeq };
  }

  /** One unit of work: the Settings event and, if the weights changed, the first chunk of the rescore. */
  updateSettings(actor: string, patch: SettingsPatch, correlationId: string | undefined, idempotency?: Idempotency): Result<SettingsOutcome> {
    const now = Date.now();
    const replay = (kept: unknown) => this.settingsAt(Number(kept));
    return refusingTooLarge(() =>
      this.tx.run(() =>
        this.idempotency.once(actor, idempotency, now, replay, (): Answer<SettingsOutcome> => {
          try {
            const meta = { actor, nowMs: now, correlationId: correlationId ?? null };
            this.shell.runPart([{ kind: 'settings', patch }], meta);
          } catch (error) {
            if (error instanceof OperationFailed) return { result: { ok: false, error: error.error.detail } };
            throw error;
          }
          if (this.rescore.pending()) this.rescore.chunkIn(now);
          const answer = this.settings();
          return { result: ok(answer), kept: answer.seq };
        }),
      ),
    );
  }

  private settingsAt(seq: number): SettingsOutcome {
    const entity = this.store.entityAt(SETTINGS_ID, seq);
    return { ...settingsOf(entity), $version: entity?.version ?? 0, seq };
  }


  hookStatus(): Record<string, number> {
    return this.jobs.counts();
  }
}
