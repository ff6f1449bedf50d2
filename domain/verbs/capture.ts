// capture: a lead capture with its source. The email finds a live contact, or one merged away (its
// target); otherwise a new contact starts at Lead. Every capture records a Lead (contact, source).
import { checkUnique, diff, followMerges, resolveReferences } from '../decide';
import { isLive, type Entity } from '../entity';
import { fail } from '../errors';
import type { DomainEvent } from '../events';
import { typedEvent } from '../event-types';
import { normalizeUnique } from '../formats';
import type { LifecycleView } from '../lifecycle-view';
import { Contact } from '../nouns';
import type { VerbCommand } from './commands';

type Capture = Extract<VerbCommand, { kind: 'capture' }>;

export interface CaptureDecision {
  readonly events: DomainEvent[];
  readonly contactId: string;
  readonly created: boolean;
}

export function decideCapture(command: Capture, view: LifecycleView): CaptureDecision {
  const email = command.data['email'];
  if (typeof email !== 'string' || email === '')
    fail('invalid', 'capture needs an email', { errors: [{ path: '/email', message: 'is required' }] });
  const match = findByEmail(normalizeUnique(email), view);
  const source = typeof command.data['source'] === 'string' ? command.data['source'] : undefined;
  const lead: DomainEvent = {
    type: 'Lead.Created',
    entityType: 'Lead',
    entityId: command.leadId,
    data: { status: 'New', ...(source ? { source } : {}), contact: match?.id ?? command.newId },
  };
  if (match) return { events: [captured(match, command, source, view), lead], contactId: match.id, created: false };
  if (typeof command.data['name'] !== 'string')
    fail('invalid', 'a new contact needs a name', {
      errors: [{ path: '/name', message: 'is required to capture a new contact' }],
    });
  const fields = resolveReferences(Contact, command.newId, { status: 'Active', ...command.data, stage: 'Lead' }, view);
  checkUnique(Contact, command.newId, fields, view);
  const created: DomainEvent = {
    type: 'Contact.Created',
    entityType: 'Contact',
    entityId: command.newId,
    data: fields,
  };
  const fresh: Entity = {
    id: command.newId,
    type: 'Contact',
    version: 1,
    createdAt: command.time,
    updatedAt: command.time,
    fields,
  };
  return { events: [created, captured(fresh, command, source, view), lead], contactId: command.newId, created: true };
}

function findByEmail(normalized: string, view: LifecycleView): Entity | undefined {
  const live = view.findUnique('Contact', 'email', normalized);
  if (live) return view.get(live);
  const merged = view.findMergedByEmail(normalized);
  const target = merged ? followMerges(merged, view) : undefined;
  return isLive(target) ? target : undefined;
}

// A capture of a known contact fills its empty fields (its own values win) and marks the engagement.
function captured(contact: Entity, command: Capture, source: string | undefined, view: LifecycleView): DomainEvent {
  const unset = Object.fromEntries(
    Object.entries(command.data).filter(([key]) => key !== 'email' && contact.fields[key] === undefined),
  );
  const empty = resolveReferences(Contact, contact.id, unset, view);
  const changes = diff(contact.fields, { ...empty, lastEngagement: command.time });
  const data = { ...(source ? { source } : {}), lead: command.leadId, changes };
  return typedEvent({ type: 'Contact.Captured', entityType: 'Contact', entityId: contact.id, data });
}
