// Keeping leadScore true: a new contact's Created carries its first score; afterwards any event that
// may change an input (the contact itself, or a Lead or Activity pointing at it) recomputes it in the
// same transaction and appends `Contact.Scored` when the number moves.
import { changesOf, typedEvent } from './event-types';
import type { DomainEvent, StoredEvent } from './events';
import { isLive, type Entity } from './entity';
import type { CountGroup, LifecycleView } from './lifecycle-view';
import { scoreContact, type Score } from './scoring';
import type { Settings } from './settings';
import type { UnitOfWork } from './pipeline';

// What engagement scoring counts: captures by source, and activities by type unless cancelled.
const ENGAGEMENT: readonly CountGroup[] = [
  { sourceType: 'Lead', groupBy: 'source' },
  { sourceType: 'Activity', groupBy: 'type', unless: { field: 'status', value: 'Cancelled' } },
];

export function scoreOf(
  contactId: string,
  fields: Readonly<Record<string, unknown>>,
  view: LifecycleView,
  settings: Settings,
  time: string,
): Score {
  const [leadSources = {}, activityTypes = {}] = view.countReferencing(contactId, 'contact', ENGAGEMENT);
  return scoreContact({ fields, leadSources, activityTypes, time }, settings.weights);
}

export function withInitialScore(event: DomainEvent, settings: Settings, time: string): DomainEvent {
  if (event.type !== 'Contact.Created') return event;
  // Nothing can point at an id before it exists: a new contact has no captures or activities yet.
  const score = scoreContact({ fields: event.data, leadSources: {}, activityTypes: {}, time }, settings.weights);
  return { ...event, data: { ...event.data, leadScore: score.total } };
}

export function rescore(
  events: readonly StoredEvent[],
  uow: UnitOfWork,
  settings: Settings,
  time: string,
): StoredEvent[] {
  const causes = new Map<string, string>();
  for (const event of events) for (const id of contactsTouched(event, uow)) causes.set(id, event.id);
  const scored: StoredEvent[] = [];
  for (const [id, causationId] of causes) {
    const contact = uow.get(id);
    if (!isLive(contact) || contact.type !== 'Contact') continue;
    const total = scoreOf(id, contact.fields, uow, settings, time).total;
    const event = scoredEvent(contact, total);
    if (event) scored.push(...uow.append([event], causationId));
  }
  return scored;
}

/** `Contact.Scored` moving the contact's stored score to `total`; none when it is there already. */
export function scoredEvent(contact: Entity, total: number): DomainEvent | undefined {
  const stored = contact.fields['leadScore'];
  const from = typeof stored === 'number' ? stored : null;
  if (from === total) return undefined;
  const changes = { leadScore: { from, to: total } };
  return typedEvent({ type: 'Contact.Scored', entityType: 'Contact', entityId: contact.id, data: { changes } });
}

// Which contacts an event may have re-scored: the contact itself (its Created already carries the
// score), or the contact a Lead or Activity points at now or pointed at before.
function contactsTouched(event: StoredEvent, view: LifecycleView): string[] {
  if (event.entityType === 'Contact')
    return event.type === 'Contact.Created' || event.type === 'Contact.Scored' ? [] : [event.entityId];
  if (event.entityType !== 'Lead' && event.entityType !== 'Activity') return [];
  const ids: string[] = [];
  const now = view.get(event.entityId)?.fields['contact'];
  if (typeof now === 'string') ids.push(now);
  const before = changesOf(event)['contact']?.from;
  if (typeof before === 'string') ids.push(before);
  return ids;
}
