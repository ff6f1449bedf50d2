// One write command as the edge sends it, as one unit of work: under its Idempotency-Key
// (IdempotencyStore.once), run through the command shell, answered with the entity as it now stands.
import { represent, type Representation } from '../domain/entity';
import { DomainError } from '../domain/errors';
import type { CommandDraft } from '../domain/verbs/drafts';
import { OperationFailed, type CommandShell } from './command-shell';
import type { EventStore } from './event-store';
import { refusingTooLarge, type Answer, type IdempotencyStore } from './idempotency-store';
import { ok, type Idempotency, type Result } from './protocol';
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

  write(actor: string, input: CommandInput, nowMs: number, correlationId?: string, idempotency?: Idempotency): Result<WriteOutcome> {
    const replay = (kept: unknown) => this.replay(kept as KeptWrite);
    return refusingTooLarge(() =>
      this.tx.run(() => this.idempotency.once(actor, idempotency, nowMs, replay, () => this.commit(input, actor, nowMs, correlationId))),
    );
  }

  // A refusal rolls back the command's part only: the unit still commits its remembered answer.
  private commit(input: CommandInput, actor: string, nowMs: number, correlationId?: string): Answer<WriteOutcome> {
    try {
      const [outcome] = this.shell.runPart([this.shell.complete(input, nowMs)], { actor, nowMs, correlationId: correlationId ?? null });
      const entity = this.store.get(outcome!.subject);
      const seq = outcome!.events.at(-1)?.seq ?? this.store.headSeq;
      const shown = entity && !entity.deletedAt ? entity : undefined;
      const kept: KeptWrite = { created: outcome!.created, id: shown?.id ?? null, seq };
      return { result: ok({ created: outcome!.created, ...(shown ? { entity: represent(shown) } : {}), seq }), kept };
    } catch (error) {
      if (error instanceof OperationFailed) return { result: { ok: false, error: error.error.detail } };
      if (error instanceof DomainError) return { result: { ok: false, error: error.detail } };
      throw error;
    }
  }

  private replay(kept: KeptWrite): WriteOutcome {
    const entity = kept.id === null ? undefined : this.store.entityAt(kept.id, kept.seq);
    return { created: kept.created, ...(entity && !entity.deletedAt ? { entity: represent(entity) } : {}), seq: kept.seq };
  }
}
