// One command, start to finish, inside the caller's transaction: decide, append (which folds),
// check graph invariants, rescore the contacts whose inputs moved, then run the before-hooks on the
// proposed state. Anything thrown rolls the whole transaction back, so a refusal changes nothing.
import { represent } from './entity';
import { checkNoCycle } from './decide';
import { DomainError, fail } from './errors';
import { changesOf } from './event-types';
import type { DomainEvent, StoredEvent } from './events';
import type { HookRegistry } from './hooks';
import { fieldLists } from './field-lists';
import type { LifecycleView } from './lifecycle-view';
import { nounByName } from './nouns';
import { rescore, withInitialScore } from './rescore';
import { settingsOf, SETTINGS_ID, type Settings } from './settings';
import type { AnyCommand } from './verbs/commands';
import { decideAny } from './verbs/decide-any';

/** The log as the pipeline writes it: append chains, stores and folds, within one transaction. */
export interface UnitOfWork extends LifecycleView {
  append(events: readonly DomainEvent[], causationId?: string | null): StoredEvent[];
  /** The tenant settings, if the store keeps them at hand; otherwise read from the `settings` entity. */
  settings?(): Settings;
}

export interface RunContext {
  readonly time: string;
  readonly hooks: HookRegistry;
  /** The event that caused this command (an after-hook's trigger), if any. */
  readonly causationId?: string | null;
}

export interface CommandOutcome {
  readonly events: StoredEvent[];
  readonly subject: string;
  readonly created: boolean;
}

export function runCommand(command: AnyCommand, uow: UnitOfWork, context: RunContext): CommandOutcome {
  const decision = decideAny(command, uow);
  const settings = uow.settings?.() ?? settingsOf(uow.get(SETTINGS_ID));
  const decided = decision.events.map((e) => withInitialScore(e, settings, context.time));
  const stored = uow.append(decided, context.causationId ?? null);
  checkSelfReferences(stored, uow);
  const scored = rescore(stored, uow, settings, context.time);
  runBeforeHooks(stored, uow, context.hooks, settings);
  return { events: [...stored, ...scored], subject: decision.subject, created: decision.created };
}

// decide refuses a manager that closes a loop on a plain update; a merge re-points many references
// at once, so the chains are checked again (by decide's one check) on the proposed state.
function checkSelfReferences(events: readonly StoredEvent[], view: LifecycleView): void {
  for (const event of events) {
    const noun = nounByName.get(event.entityType);
    if (!noun) continue;
    for (const field of fieldLists(noun).selfRefs) {
      const to = changesOf(event)[field]?.to;
      if (typeof to === 'string') checkNoCycle(field, event.entityId, to, view);
    }
  }
}

function runBeforeHooks(
  events: readonly StoredEvent[],
  view: LifecycleView,
  hooks: HookRegistry,
  settings: Settings,
): void {
  for (const event of events) {
    const registered = hooks.beforeHooks(event.type);
    if (registered.length === 0) continue;
    const entity = view.get(event.entityId);
    if (!entity) continue;
    for (const hook of registered) {
      try {
        hook.fn(represent(entity), { settings, event });
      } catch (error) {
        if (error instanceof DomainError) throw error;
        fail('hook_rejected', error instanceof Error ? error.message : String(error), {
          extra: { hook: hook.name, event: event.type },
        });
      }
    }
  }
}
