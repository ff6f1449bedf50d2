// qualify: Lead → Qualified, the one move update may not make. The spec's qualifying hooks
// (email, score threshold) run on the proposed state in the pipeline, not here.
import { requireWritable } from '../decide';
import { typedEvent } from '../event-types';
import type { DomainEvent } from '../events';
import { Contact } from '../nouns';
import { checkStageMove } from '../stage-machine';
import type { StateView } from '../state-view';

export function decideQualify(id: string, view: StateView): DomainEvent[] {
  const contact = requireWritable(Contact, id, view);
  checkStageMove(contact.fields['stage'], 'Qualified', 'qualify');
  const changes = { stage: { from: 'Lead', to: 'Qualified' } } as const;
  return [typedEvent({ type: 'Contact.Qualified', entityType: 'Contact', entityId: id, data: { changes } })];
}
