// The lifecycle's RPC bodies behind TenantLog: batch, score breakdown, provenance, settings.
// TenantLog checks credentials and runs after-hooks; these run the commands and shape the answers.
import { represent, type Representation } from '../domain/entity';
import { DomainError } from '../domain/errors';
import { scoreOf } from '../domain/rescore';
import type { ScoreLine } from '../domain/scoring';
import { settingsOf, SETTINGS_ID, type Settings, type SettingsPatch } from '../domain/settings';
import type { CommandDraft } from '../domain/verbs/drafts';
import type { CommandShell } from './command-shell';
import { OperationFailed } from './command-shell';
import type { EventStore } from './event-store';
import type { HookJobs } from './hook-jobs';
import type { IdempotencyStore } from './idempotency-store';
import { failure, ok, type Failure, type Idempotency, type Result } from './protocol';

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

export class LifecycleRpc {
  constructor(
    private readonly store: EventStore,
    private readonly shell: CommandShell,
    private readonly jobs: HookJobs,
    private readonly idempotency: IdempotencyStore,
  ) {}

  batch(actor: string, input: BatchInput, correlationId: string | undefined, idempotency?: Idempotency): Result<BatchOutcome> {
    const now = Date.now();
    const meta = { actor, nowMs: now, correlationId: correlationId ?? null };
    return this.idempotency.once(actor, idempotency, now, () =>
      input.atomic ? this.atomic(input.operations, meta) : ok({ results: input.operations.map((op) => this.one(op, meta)), seq: this.store.headSeq }),
    );
  }

  private atomic(operations: readonly CommandDraft[], meta: { actor: string; nowMs: number; correlationId: string | null }): Result<BatchOutcome> {
    try {
      const outcomes = this.shell.runAll(operations.map((op) => this.shell.complete(op, meta.nowMs)), meta);
      return ok({ results: outcomes.map((o) => this.answerOf(o.subject, o.created)), seq: this.store.headSeq });
    } catch (error) {
      if (!(error instanceof OperationFailed)) throw error;
      return failure('operation_failed', `operation ${error.index} failed, nothing was written: ${error.error.message}`, {
        extra: { operation: error.index, cause: error.error.detail },
      });
    }
  }

  private one(op: CommandDraft, meta: { actor: string; nowMs: number; correlationId: string | null }): OperationResult {
    try {
      const [outcome] = this.shell.runAll([this.shell.complete(op, meta.nowMs)], meta);
      return this.answerOf(outcome!.subject, outcome!.created);
    } catch (error) {
      if (error instanceof OperationFailed) return { ok: false, error: error.error.detail };
      if (error instanceof DomainError) return { ok: false, error: error.detail };
      throw error;
    }
  }

  private answerOf(subject: string, created: boolean): OperationResult {
    const entity = this.store.get(subject);
    return { ok: true, created, ...(entity && !entity.deletedAt ? { entity: represent(entity) } : {}) };
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

  updateSettings(actor: string, patch: SettingsPatch, correlationId: string | undefined, idempotency?: Idempotency): Result<SettingsOutcome> {
    const now = Date.now();
    return this.idempotency.once(actor, idempotency, now, () => {
      this.shell.runAll([{ kind: 'settings', patch }], { actor, nowMs: now, correlationId: correlationId ?? null });
      return ok(this.settings());
    });
  }


  hookStatus(): Record<string, number> {
    return this.jobs.counts();
  }
}
