// A Contact's events, state and evolve, in the shape Emmett's samples use (one file: events + state +
// evolve; the decisions live in business-logic.ts). Only what the bench's contract needs: creation.
import type { Event } from '@event-driven-io/emmett';

export const STAGES = ['Lead', 'Qualified', 'Customer', 'Churned', 'Partner'] as const;
export type Stage = (typeof STAGES)[number];

/** A contact came into being in a tenant (the only event the bench's contract needs). */
export type ContactCreated = Event<
  'ContactCreated',
  {
    contactId: string;
    tenant: string;
    name: string;
    email: string | null;
    stage: Stage | null;
    createdAt: string;
  }
>;

export type ContactEvent = ContactCreated;

export type Contact = { status: 'Initial' } | { status: 'Created'; tenant: string; email: string | null };

export const initialState = (): Contact => ({ status: 'Initial' });

export const evolve = (state: Contact, event: ContactEvent): Contact => {
  const { type, data } = event;
  switch (type) {
    case 'ContactCreated':
      return { status: 'Created', tenant: data.tenant, email: data.email };
    default: {
      const _exhaustive: never = type;
      return _exhaustive ?? state;
    }
  }
};
