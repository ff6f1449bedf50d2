// Typed events: the union derived from the noun declarations, checked by the compiler (`npm run typecheck`
// fails if a line marked @ts-expect-error compiles), and the accessors every reader of event data uses.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  changeOf,
  changesOf,
  provenanceOf,
  setBy,
  typedEvent,
  type CrmEventType,
  type EventOfType,
  type VerbEventNames,
} from '../../domain/event-types';
import type { NounActions } from '../../domain/hooks';
import type { Contact, Organization } from '../../domain/nouns';
import type { WriteVerb } from '../../domain/verbs/drafts';

const id = 'contact_01';

describe('the event union', () => {
  it('has one member per noun and declared verb', () => {
    type ContactVerbs = 'Qualified' | 'Captured' | 'Assigned' | 'Merged' | 'Enriched';
    expectTypeOf<VerbEventNames<typeof Contact>>().toEqualTypeOf<ContactVerbs>();
    expectTypeOf<VerbEventNames<typeof Organization>>().toEqualTypeOf<never>();
    expectTypeOf<'Contact.Qualified'>().toExtend<CrmEventType>();
    expectTypeOf<'Organization.Updated'>().toExtend<CrmEventType>();
    expectTypeOf<'Organization.Qualified'>().not.toExtend<CrmEventType>();
  });

  it('types the data of each member from the declaration', () => {
    expectTypeOf<EventOfType<'Contact.Created'>['data']['stage']>().toEqualTypeOf<
      'Lead' | 'Qualified' | 'Customer' | 'Churned' | 'Partner' | undefined
    >();
    const assigned = typedEvent({
      type: 'Contact.Assigned',
      entityType: 'Contact',
      entityId: id,
      data: { owner: 'sam', previousOwner: null, changes: { owner: { from: null, to: 'sam' } } },
    });
    expectTypeOf(assigned.data.owner).toEqualTypeOf<string>();
    const won = { changes: { stage: { from: 'Lead', to: 'Won' } } } as const;
    // @ts-expect-error a qualify moves the stage to a declared stage only
    typedEvent({ type: 'Contact.Qualified', entityType: 'Contact', entityId: id, data: won });
    const ownerless = { changes: { owner: { from: null, to: 'x' } } };
    // @ts-expect-error an assign names its owner
    typedEvent({ type: 'Contact.Assigned', entityType: 'Contact', entityId: id, data: ownerless });
    expect(assigned.data.owner).toBe('sam');
  });
});

describe('the verbs', () => {
  it('are the same set in the declarations and in what after-hooks may call', () => {
    expectTypeOf<keyof NounActions>().toEqualTypeOf<WriteVerb>();
  });
});

describe('the accessors', () => {
  const created = { type: 'Contact.Created', data: { name: 'Ada', email: 'ada@example.com' } };
  const updated = { type: 'Contact.Updated', data: { changes: { title: { from: null, to: 'CTO' } } } };
  const enriched = {
    type: 'Contact.Enriched',
    data: {
      source: 'clearbit',
      provenance: { title: 'clearbit', bogus: 3 },
      changes: { title: { from: 'CTO', to: 'CEO' } },
    },
  };

  it('reads what an event set: a Created its fields, any other event its changes', () => {
    expect(setBy(created)).toEqual(['name', 'email']);
    expect(setBy(updated)).toEqual(['title']);
    expect(setBy({ type: 'Contact.Deleted', data: {} })).toEqual([]);
  });

  it('reads one field move, a Created from null', () => {
    expect(changeOf(created, 'email')).toEqual({ from: null, to: 'ada@example.com' });
    expect(changeOf(created, 'title')).toBeUndefined();
    expect(changeOf(enriched, 'title')).toEqual({ from: 'CTO', to: 'CEO' });
    expect(changesOf(created)).toEqual({});
  });

  it('reads provenance as field → source, dropping what is not a string', () => {
    expect(provenanceOf(enriched)).toEqual({ title: 'clearbit' });
    expect(provenanceOf(updated)).toEqual({});
  });
});
