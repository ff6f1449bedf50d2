// One write command as the edge sends it: recall an Idempotency-Key's first answer, or run the command
// and remember its answer in the same transaction, so a retry can never see the write without it.
import { represent, type Representation } from '../domain/entity';
import { DomainError } from '../domain/errors';
import type { CommandDraft } from '../domain/verbs/drafts';
import { OperationFailed, type CommandShell } from './command-shell';
import type { EventStore } from './event-store';
import type { IdempotencyStore } from './idempotency-store';
import { failure, ok, type Idempotency, type Result } from './protocol';

/** A command as the edge sends it: ids (a create's, a capture's) are minted here, in the log. */
export type CommandInput = CommandDraft;

export interface WriteOutcome {
  readonly created: boolean;
  /** The entity after the write; absent after a delete. */
  readonly entity?: Representation;
  /** The log position the write reached (the head, for a no-op). */
  readonly seq: number;
}

export class CommandWriter {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly store: EventStore,
    private readonly shell: CommandShell,
    private readonly idempotency: IdempotencyStore,
  ) {}

  write(actor: string, input: CommandInput, nowMs: number, correlationId?: string, idempotency?: Idempotency): Result<WriteOutcome> {
    if (!idempotency) return this.commit(input, actor, nowMs, correlationId);
    const recalled = this.idempotency.recall<WriteOutcome>(actor, idempotency.key, idempotency.fingerprint, nowMs);
    if (recalled.kind === 'replay') return recalled.answer;
    if (recalled.kind === 'mismatch') return failure('idempotency_mismatch', 'this Idempotency-Key was used for another request');
    return this.storage.transactionSync(() => {
      const answer = this.commit(input, actor, nowMs, correlationId);
      this.idempotency.remember(actor, idempotency.key, idempotency.fingerprint, answer, nowMs);
      return answer;
    });
  }

  private commit(input: CommandInput, actor: string, nowMs: number, correlationId?: string): Result<WriteOutcome> {
    try {
      const [outcome] = this.shell.runAll([this.shell.complete(input, nowMs)], { actor, nowMs, correlationId: correlationId ?? null });
      const entity = this.store.get(outcome!.subject);
      return ok({
        created: outcome!.created,
        ...(entity && !entity.deletedAt ? { entity: represent(entity) } : {}),
        seq: outcome!.events.at(-1)?.seq ?? this.store.headSeq,
      });
    } catch (error) {
      if (error instanceof OperationFailed) return { ok: false, error: error.error.detail };
      if (error instanceof DomainError) return { ok: false, error: error.detail };
      throw error;
    }
  }
}
