// One write command as the edge sends it, under its Idempotency-Key (IdempotencyStore.once): run
// through the command shell, answered with the entity as it now stands.
import { represent, type Representation } from '../domain/entity';
import { DomainError } from '../domain/errors';
import type { CommandDraft } from '../domain/verbs/drafts';
import { OperationFailed, type CommandShell } from './command-shell';
import type { EventStore } from './event-store';
import type { IdempotencyStore } from './idempotency-store';
import { ok, type Idempotency, type Result } from './protocol';

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
    private readonly store: EventStore,
    private readonly shell: CommandShell,
    private readonly idempotency: IdempotencyStore,
  ) {}

  write(actor: string, input: CommandInput, nowMs: number, correlationId?: string, idempotency?: Idempotency): Result<WriteOutcome> {
    return this.idempotency.once(actor, idempotency, nowMs, () => this.commit(input, actor, nowMs, correlationId));
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
