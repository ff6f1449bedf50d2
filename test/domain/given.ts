// given(events).when(command).then(events) over the in-memory log and the very pipeline the
// Durable Object runs. `given` takes facts (events), not commands: a test states the history it needs.
import { expect } from 'vitest';
import { bindNouns } from '../../domain/crm';
import { installDefaultHooks } from '../../domain/default-hooks';
import { DomainError, type DomainErrorCode } from '../../domain/errors';
import type { DomainEvent, StoredEvent } from '../../domain/events';
import { HookRegistry } from '../../domain/hooks';
import { MemoryLog } from './memory-log';
import { runCommand, type CommandOutcome } from '../../domain/pipeline';
import type { AnyCommand } from '../../domain/verbs/commands';
import { withInitialScore } from '../../domain/rescore';
import { DEFAULT_SETTINGS } from '../../domain/settings';

export const TIME = '2026-03-01T12:00:00.000Z';

let ids = 0;
/** A well-formed id of a noun's prefix (26 Crockford characters). */
export function idOf(prefix: string): string {
  ids += 1;
  return `${prefix}_${String(ids).padStart(26, '0')}`;
}

export const created = (type: string, id: string, data: Record<string, unknown>): DomainEvent => ({
  type: `${type}.Created`,
  entityType: type,
  entityId: id,
  data,
});

export interface Scenario {
  readonly log: MemoryLog;
  when(command: AnyCommand): Outcome;
}

export interface Outcome {
  then(
    expected: readonly Partial<Pick<StoredEvent, 'type' | 'entityId'> & { data: Record<string, unknown> }>[],
  ): CommandOutcome;
  thenThrows(code: DomainErrorCode, message?: string | RegExp): DomainError;
}

/** A history; `hooks: 'spec'` installs the spec's default hooks, otherwise none run. */
export function given(events: readonly DomainEvent[], options: { hooks?: 'spec' | HookRegistry } = {}): Scenario {
  const log = new MemoryLog(TIME);
  // Stored history carries scores as the pipeline would have written them.
  for (const event of events) log.append([withInitialScore(event, DEFAULT_SETTINGS, TIME)]);
  const registry = options.hooks instanceof HookRegistry ? options.hooks : new HookRegistry();
  if (options.hooks === 'spec') installDefaultHooks(bindNouns(registry));
  return {
    log,
    when(command) {
      const before = log.events.length;
      let outcome: CommandOutcome | undefined;
      let thrown: unknown;
      try {
        outcome = log.transaction(() => runCommand(command, log, { time: TIME, hooks: registry }));
      } catch (error) {
        thrown = error;
      }
      return {
        then(expected) {
          if (thrown) throw thrown;
          expect(outcome!.events.map((e) => ({ type: e.type, entityId: e.entityId, data: e.data }))).toMatchObject(
            expected,
          );
          expect(outcome!.events).toHaveLength(expected.length);
          return outcome!;
        },
        thenThrows(code, message) {
          expect(thrown, 'the command was expected to be refused').toBeInstanceOf(DomainError);
          const error = thrown as DomainError;
          expect(error.detail.code).toBe(code);
          if (message) expect(error.message).toMatch(message);
          expect(log.events.length, 'a refused command appends nothing').toBe(before);
          return error;
        },
      };
    },
  };
}
