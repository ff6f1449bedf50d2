// biome-ignore-all lint/suspicious/noExplicitAny: an after-hook of any noun
// Running one after-hook: it sees the committed entity and writes through `$`, which records the
// commands (checked exactly as the HTTP edge checks them) for the log to run in one transaction,
// with the triggering event as their cause.
import type { Representation } from './entity';
import type { AfterHook, Dollar, HookContext, NounActions } from './hooks';
import { NOUNS } from './nouns';
import type { AnyCommand } from './verbs/commands';
import { completeCommand, draftCommand } from './verbs/drafts';

export class HookWriteError extends Error {
  override readonly name = 'HookWriteError';
}

export async function collectHookCommands(
  fn: AfterHook<any>,
  entity: Representation,
  context: HookContext,
  mint: (noun: string) => string,
): Promise<AnyCommand[]> {
  const commands: AnyCommand[] = [];
  const $ = Object.fromEntries(
    NOUNS.map((noun) => [noun.name, actionsOf(noun.name, commands, mint, context.event.time)]),
  ) as unknown as Dollar;
  await fn(entity, $, context);
  return commands;
}

function actionsOf(noun: string, commands: AnyCommand[], mint: (noun: string) => string, time: string): NounActions {
  const record = (verb: string, id: string | undefined, body: unknown): AnyCommand => {
    const schema = NOUNS.find((n) => n.name === noun)!;
    const checked = draftCommand(
      schema,
      verb,
      id,
      body === undefined ? undefined : withoutUndefined(body as Record<string, unknown>),
    );
    if (!checked.ok)
      throw new HookWriteError(
        `$.${noun}.${verb}: ${checked.error.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      );
    const command = completeCommand(checked.value, mint, time);
    commands.push(command);
    return command;
  };
  const idOf = (command: AnyCommand): string =>
    'id' in command ? command.id : command.kind === 'capture' ? command.newId : '';
  return {
    create: (data) => ({ $id: idOf(record('create', undefined, data)) }),
    update: (id, data) => ({ $id: idOf(record('update', id, data)) }),
    delete: (id) => ({ $id: idOf(record('delete', id, undefined)) }),
    qualify: (id) => ({ $id: idOf(record('qualify', id, undefined)) }),
    // A capture may land on an existing contact: its id is known only once the log decides.
    capture: (data) => (record('capture', undefined, data), { $id: null }),
    assign: (id, owner) => ({ $id: idOf(record('assign', id, { owner })) }),
    merge: (id, sources) => ({ $id: idOf(record('merge', id, { sources })) }),
    enrich: (id, input) => ({ $id: idOf(record('enrich', id, input)) }),
  };
}

// The spec's hooks pass `organization: contact.organization`, which may be undefined: absent, not invalid.
function withoutUndefined(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}
