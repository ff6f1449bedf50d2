// assign: hands the contact to an owner for follow-up; the event keeps the previous owner.
import { requireWritable } from '../decide';
import { typedEvent } from '../event-types';
import type { DomainEvent } from '../events';
import { Contact } from '../nouns';
import type { StateView } from '../state-view';

export function decideAssign(id: string, owner: string, view: StateView): DomainEvent[] {
  const contact = requireWritable(Contact, id, view);
  const previous = (contact.fields['owner'] as string | undefined) ?? null;
  if (previous === owner) return [];
  const changes = { owner: { from: previous, to: owner } };
  const data = { owner, previousOwner: previous, changes };
  return [typedEvent({ type: 'Contact.Assigned', entityType: 'Contact', entityId: id, data })];
}
