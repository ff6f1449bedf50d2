// Hook registration as the spec writes it, derived from each noun's verbs.
import { describe, expect, it } from 'vitest';
import { bindNouns } from '../../domain/crm';
import { gerund, HookRegistry, participle } from '../../domain/hooks';
import { created, given, idOf } from './given';

describe('the hooked nouns', () => {
  it('expose a before and an after method for every verb of every noun', () => {
    const nouns = bindNouns(new HookRegistry());
    const contactMethods = [
      'creating',
      'created',
      'updating',
      'updated',
      'deleting',
      'deleted',
      'qualifying',
      'qualified',
      'capturing',
      'captured',
      'assigning',
      'assigned',
      'merging',
      'merged',
      'enriching',
      'enriched',
    ];
    for (const method of contactMethods)
      expect(typeof (nouns.Contact as unknown as Record<string, unknown>)[method], method).toBe('function');
    for (const noun of [nouns.Organization, nouns.Lead, nouns.Activity, nouns.Deal, nouns.Campaign]) {
      for (const method of ['creating', 'created', 'updating', 'updated', 'deleting', 'deleted'])
        expect(typeof (noun as unknown as Record<string, unknown>)[method], `${noun.name}.${method}`).toBe('function');
      expect(noun).not.toHaveProperty('qualifying');
    }
    // @ts-expect-error Organization declares no qualify verb, so it has no qualifying hook.
    expect(nouns.Organization.qualifying).toBeUndefined();
  });

  it('name before-hooks by the -ing form and after-hooks by the event', () => {
    expect(['create', 'update', 'delete', 'qualify', 'capture', 'assign', 'merge', 'enrich'].map(gerund)).toEqual([
      'creating',
      'updating',
      'deleting',
      'qualifying',
      'capturing',
      'assigning',
      'merging',
      'enriching',
    ]);
    expect(['Created', 'Qualified', 'Merged'].map(participle)).toEqual(['created', 'qualified', 'merged']);
  });

  it('refuse a second hook under the same name, and unregister', () => {
    const registry = new HookRegistry();
    const { Contact } = bindNouns(registry);
    const remove = Contact.assigned(() => {}, 'notify');
    expect(() => Contact.assigned(() => {}, 'notify')).toThrow(/registered already/);
    remove();
    expect(registry.afterHooks('Contact.Assigned')).toEqual([]);
  });
});

describe('a before-hook', () => {
  it('sees the proposed state and rejects with its message as hook_rejected', () => {
    const registry = new HookRegistry();
    const { Contact } = bindNouns(registry);
    const seen: unknown[] = [];
    Contact.assigning((contact) => {
      seen.push(contact.owner);
      if (contact.owner === 'nobody') throw new Error('Assign to a person');
    });
    const id = idOf('contact');
    const scenario = given([created('Contact', id, { name: 'A' })], { hooks: registry });
    scenario
      .when({ kind: 'assign', noun: 'Contact', id, owner: 'nobody' })
      .thenThrows('hook_rejected', 'Assign to a person');
    scenario.when({ kind: 'assign', noun: 'Contact', id, owner: 'ana' }).then([{ type: 'Contact.Assigned' }]);
    expect(seen).toEqual(['nobody', 'ana']);
  });
});

describe('create and delete', () => {
  it('create refuses an email a live contact holds, compared case-insensitively', () => {
    const [a, b] = [idOf('contact'), idOf('contact')];
    given([created('Contact', a, { name: 'A', email: 'a@startup.io' })])
      .when({ kind: 'create', noun: 'Contact', id: b, data: { name: 'B', email: 'A@Startup.io' } })
      .thenThrows('duplicate');
  });
  it('create records the first leadScore in Created', () => {
    const id = idOf('contact');
    given([])
      .when({ kind: 'create', noun: 'Contact', id, data: { name: 'A', email: 'a@startup.io', title: 'CEO' } })
      .then([{ type: 'Contact.Created', data: { leadScore: 30 } }]);
  });
  it('delete tombstones the contact, frees its email and refuses a second delete with gone', () => {
    const [a, b] = [idOf('contact'), idOf('contact')];
    const scenario = given([created('Contact', a, { name: 'A', email: 'a@startup.io' })]);
    scenario.when({ kind: 'delete', noun: 'Contact', id: a }).then([{ type: 'Contact.Deleted', entityId: a }]);
    scenario.when({ kind: 'delete', noun: 'Contact', id: a }).thenThrows('gone');
    scenario
      .when({ kind: 'create', noun: 'Contact', id: b, data: { name: 'B', email: 'a@startup.io' } })
      .then([{ type: 'Contact.Created' }]);
  });
  it('deleting an activity rescores the contact it pointed at', () => {
    const [c, act] = [idOf('contact'), idOf('activity')];
    const scenario = given([
      created('Contact', c, { name: 'A' }),
      created('Activity', act, { subject: 'S', type: 'Call', contact: c }),
      {
        type: 'Contact.Scored',
        entityType: 'Contact',
        entityId: c,
        data: { changes: { leadScore: { from: 0, to: 5 } } },
      },
    ]);
    scenario
      .when({ kind: 'delete', noun: 'Activity', id: act })
      .then([
        { type: 'Activity.Deleted' },
        { type: 'Contact.Scored', entityId: c, data: { changes: { leadScore: { from: 5, to: 0 } } } },
      ]);
  });
});
