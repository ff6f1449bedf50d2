// One write command as the edge sends it, as one unit of work: under its Idempotency-Key
// (IdempotencyStore.once), run through the command shell, answered with the entity as it now stands.
import { represent, type Representation } from '../domain/entity';
import { DomainError } from '../domain/errors';
import type { CommandDraft } from '../domain/verbs/drafts';
import { OperationFailed, type CommandShell, type TxMeta } from './command-shell';
import type { CommandOutcome } from '../domain/pipeline';
import type { EventStore } from './event-store';
import { refusingTooLarge, type Answer, type IdempotencyStore } from './idempotency-store';
import { ok, type Idempotency, type Result } from '../shared/protocol';
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

/** What an Idempotency-Key keeps of a WriteOutcome: the entity by id, rendered again as of `seq`. */
interface KeptWrite {
  readonly created: boolean;
  readonly id: string | null;
  readonly seq: number;
}

export class CommandWriter {
  constructor(
    private readonly tx: Transactions,
    private readonly store: EventStore,
    private readonly shell: CommandShell,
    private readonly idempotency: IdempotencyStore,
  ) {}

  write(
    actor: string,
    input: CommandInput,
    nowMs: number,
    correlationId?: string,
    idempotency?: Idempotency,
  ): Result<WriteOutcome> {
    const replay = (kept: unknown) => this.replay(kept as KeptWrite);
    const meta = { actor, nowMs, correlationId: correlationId ?? null };
    try {
      return refusingTooLarge(() =>
        this.tx.run(() =>
          this.idempotency.once(actor, idempotency, nowMs, replay, () =>
            this.commit(input, meta, idempotency !== undefined),
          ),
        ),
      );
    } catch (error) {
      // Without a key, a refusal rolls back the whole unit: it held nothing else.
      if (error instanceof OperationFailed) return { ok: false, error: error.error.detail };
      if (error instanceof DomainError) return { ok: false, error: error.detail };
      throw error;
    }
  }

  // Under a key the command is a part of the unit, so that its refusal rolls back alone and the unit
  // still commits the remembered answer; without one it needs no savepoint.
  private commit(input: CommandInput, meta: TxMeta, keyed: boolean): Answer<WriteOutcome> {
    if (!keyed) return this.answer(this.shell.runHere([this.shell.complete(input, meta.nowMs)], meta)[0]!);
    try {
      return this.answer(this.shell.runPart([this.shell.complete(input, meta.nowMs)], meta)[0]!);
    } catch (error) {
      if (error instanceof OperationFailed) return { result: { ok: false, error: error.error.detail } };
      if (error instanceof DomainError) return { result: { ok: false, error: error.detail } };
      throw error;
    }
  }

  private answer(outcome: CommandOutcome): Answer<WriteOutcome> {
    const entity = this.store.get(outcome.subject);
    const seq = outcome.events.at(-1)?.seq ?? this.store.headSeq;
    const shown = entity && !entity.deletedAt ? entity : undefined;
    const kept: KeptWrite = { created: outcome.created, id: shown?.id ?? null, seq };
    return { result: ok({ created: outcome.created, ...(shown ? { entity: represent(shown) } : {}), seq }), kept };
  }

  private replay(kept: KeptWrite): WriteOutcome {
    const entity = kept.id === null ? undefined : this.store.entityAt(kept.id, kept.seq);
    return {
      created: kept.created,
      ...(entity && !entity.deletedAt ? { entity: represent(entity) } : {}),
      seq: kept.seq,
    };
  }
}
