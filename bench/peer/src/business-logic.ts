// Commands and decide: pure, no I/O, no clock (time and ids arrive in the command).
import { EmmettError, IllegalStateError, type Command, type Decider } from '@event-driven-io/emmett';
import { evolve, initialState, type Contact, type ContactCreated, type ContactEvent, type Stage } from './contact.ts';

export type CreateContact = Command<
  'CreateContact',
  { contactId: string; tenant: string; name: string; email: string | null; stage: Stage | null },
  { now: Date }
>;

export type ContactCommand = CreateContact;

export const createContact = (command: CreateContact, state: Contact): ContactCreated => {
  if (state.status !== 'Initial') throw new IllegalStateError('Contact already exists');
  const { data, metadata } = command;
  return { type: 'ContactCreated', data: { ...data, createdAt: (metadata?.now ?? new Date()).toISOString() } };
};

export const decide = (command: ContactCommand, state: Contact): ContactEvent => {
  const { type } = command;
  switch (type) {
    case 'CreateContact':
      return createContact(command, state);
    default: {
      const _exhaustive: never = type;
      throw new EmmettError(`Unknown command type ${String(_exhaustive)}`);
    }
  }
};

export const decider: Decider<Contact, ContactCommand, ContactEvent> = { decide, evolve, initialState };
