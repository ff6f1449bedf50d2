// The spec's three hooks, with its exact messages and values. Installed on the default registry
// (domain/crm.ts); a test may install them on a registry of its own.
import type { BoundNouns } from './crm';
import { changesOf } from './event-types';

export function installDefaultHooks({ Contact }: BoundNouns): void {
  // BEFORE hook -- validate prerequisites (the threshold is the tenant setting, 40 by default).
  Contact.qualifying((contact, { settings }) => {
    if (!contact.email) throw new Error('Email required for qualification');
    if ((contact.leadScore ?? 0) < settings.qualifyThreshold) throw new Error('Lead score too low');
  }, 'spec:qualifying');

  // AFTER hook -- trigger downstream actions.
  Contact.qualified((contact, $) => {
    $.Deal.create({
      name: `${contact.name} - Inbound`,
      value: 12_000,
      contact: contact.$id,
      organization: contact.organization,
      stage: 'Prospecting',
    });
    $.Activity.create({
      subject: `Follow up with ${contact.name}`,
      type: 'Task',
      contact: contact.$id,
      status: 'Pending',
      priority: 'High',
    });
  }, 'spec:qualified');

  // When a contact churns, trigger a win-back campaign: on the update that moves it to Churned.
  Contact.updated((contact, $, { event }) => {
    const stage = changesOf(event)['stage'];
    if (contact.stage === 'Churned' && stage?.to === 'Churned') {
      $.Campaign.create({
        name: `Win-back: ${contact.name}`,
        type: 'Email',
        segment: 'churned-customers',
      });
    }
  }, 'spec:win-back');
}
