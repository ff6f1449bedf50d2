// One entry for every command: create/update/delete through decide, the lifecycle verbs through
// their own deciders. Says which entity the command answers with and whether it was created.
import { decide } from '../decide';
import { fail } from '../errors';
import type { DomainEvent } from '../events';
import type { LifecycleView } from '../lifecycle-view';
import { nounByName } from '../nouns';
import { decideSettings, SETTINGS_ID } from '../settings';
import { decideAssign } from './assign';
import { decideCapture } from './capture';
import type { AnyCommand } from './commands';
import { decideEnrich } from './enrich';
import { decideMerge } from './merge';
import { decideQualify } from './qualify';

export interface Decision {
  readonly events: DomainEvent[];
  /** The entity the answer shows. */
  readonly subject: string;
  readonly created: boolean;
}

export function decideAny(command: AnyCommand, view: LifecycleView): Decision {
  switch (command.kind) {
    case 'create':
    case 'update':
    case 'delete':
      return { events: decide(command, view), subject: command.id, created: command.kind === 'create' };
    case 'qualify':
      return {
        events: decideQualify(requireVerb(command.noun, 'qualify', command.id), view),
        subject: command.id,
        created: false,
      };
    case 'assign':
      return {
        events: decideAssign(requireVerb(command.noun, 'assign', command.id), command.owner, view),
        subject: command.id,
        created: false,
      };
    case 'merge':
      return {
        events: decideMerge(requireVerb(command.noun, 'merge', command.id), command.sources, view),
        subject: command.id,
        created: false,
      };
    case 'enrich':
      return {
        events: decideEnrich(
          requireVerb(command.noun, 'enrich', command.id),
          command.data,
          command.source,
          command.overwrite,
          view,
        ),
        subject: command.id,
        created: false,
      };
    case 'capture': {
      requireVerb(command.noun, 'capture', '');
      const decision = decideCapture(command, view);
      return { events: decision.events, subject: decision.contactId, created: decision.created };
    }
    case 'settings':
      return { events: decideSettings(command.patch, view.get(SETTINGS_ID)), subject: SETTINGS_ID, created: false };
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

// The verbs are declared on the noun (the spec's `qualify: 'Qualified'`); a noun without one has none.
function requireVerb(noun: string, verb: string, id: string): string {
  if (!nounByName.get(noun)?.verbs[verb]) fail('not_found', `${noun} has no verb ${verb}`);
  return id;
}
