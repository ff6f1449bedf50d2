// Each verb's success and refusal, given a history, as events.
import { describe, expect, it } from 'vitest';
import { gravatarUrl } from '../../domain/verbs/enrich';
import { sha256Hex } from '../../domain/events';
import { created, given, idOf, TIME } from './given';

const contactId = () => idOf('contact');
const deleted = (id: string) => ({ type: 'Contact.Deleted', entityType: 'Contact', entityId: id, data: {} });
const mergedInto = (id: string, into: string) => ({
  type: 'Contact.Merged',
  entityType: 'Contact',
  entityId: id,
  data: { into },
});

describe('qualify', () => {
  it('refuses a deleted contact with gone', () => {
    const id = contactId();
    given([created('Contact', id, { name: 'A', stage: 'Lead' }), deleted(id)])
      .when({ kind: 'qualify', noun: 'Contact', id })
      .thenThrows('gone');
  });
  it('refuses a merged contact with merged', () => {
    const [id, target] = [contactId(), contactId()];
    given([
      created('Contact', target, { name: 'T' }),
      created('Contact', id, { name: 'A', stage: 'Lead' }),
      mergedInto(id, target),
    ])
      .when({ kind: 'qualify', noun: 'Contact', id })
      .thenThrows('merged');
  });
  it('refuses an unknown contact with not_found', () => {
    given([]).when({ kind: 'qualify', noun: 'Contact', id: contactId() }).thenThrows('not_found');
  });
  it('with the spec hooks, refuses a Lead without an email', () => {
    const id = contactId();
    given([created('Contact', id, { name: 'A', stage: 'Lead', title: 'CEO' })], { hooks: 'spec' })
      .when({ kind: 'qualify', noun: 'Contact', id })
      .thenThrows('hook_rejected', 'Email required for qualification');
  });
  it('with the spec hooks, refuses a Lead scoring under 40', () => {
    const id = contactId();
    given([created('Contact', id, { name: 'A', stage: 'Lead', email: 'a@startup.io' })], { hooks: 'spec' })
      .when({ kind: 'qualify', noun: 'Contact', id })
      .thenThrows('hook_rejected', 'Lead score too low');
  });
  it('with the spec hooks, qualifies a Lead with an email scoring 40', () => {
    const [id, org] = [contactId(), idOf('org')];
    given(
      [
        created('Organization', org, { name: 'O' }),
        created('Contact', id, {
          name: 'A',
          stage: 'Lead',
          email: 'a@startup.io',
          title: 'CEO',
          phone: '1',
          organization: org,
        }),
      ],
      { hooks: 'spec' },
    )
      .when({ kind: 'qualify', noun: 'Contact', id })
      .then([{ type: 'Contact.Qualified', entityId: id }]);
  });
});

describe('capture', () => {
  const capture = (data: Record<string, unknown>) => ({
    kind: 'capture' as const,
    noun: 'Contact',
    newId: contactId(),
    leadId: idOf('lead'),
    time: TIME,
    data,
  });

  it('creates a Lead-stage contact, the capture and a Lead for a new email', () => {
    const command = capture({ name: 'Bob Rivera', email: 'bob@startup.io', source: 'demo-request-form' });
    const outcome = given([])
      .when(command)
      .then([
        {
          type: 'Contact.Created',
          entityId: command.newId,
          data: { name: 'Bob Rivera', stage: 'Lead', status: 'Active', source: 'demo-request-form' },
        },
        {
          type: 'Contact.Captured',
          entityId: command.newId,
          data: {
            source: 'demo-request-form',
            lead: command.leadId,
            changes: { lastEngagement: { from: null, to: TIME } },
          },
        },
        {
          type: 'Lead.Created',
          entityId: command.leadId,
          data: { contact: command.newId, source: 'demo-request-form', status: 'New' },
        },
        { type: 'Contact.Scored', entityId: command.newId },
      ]);
    expect(outcome.created).toBe(true);
  });
  it('lands on the live contact with that email (any case), filling only its empty fields', () => {
    const id = contactId();
    const command = capture({ name: 'Other Name', email: ' BOB@startup.io', title: 'CTO', source: 'webinar' });
    const outcome = given([created('Contact', id, { name: 'Bob', email: 'bob@startup.io', stage: 'Customer' })])
      .when({ ...command, data: { ...command.data, email: 'BOB@startup.io' } })
      .then([
        {
          type: 'Contact.Captured',
          entityId: id,
          data: {
            source: 'webinar',
            changes: { title: { from: null, to: 'CTO' }, lastEngagement: { from: null, to: TIME } },
          },
        },
        { type: 'Lead.Created', data: { contact: id, source: 'webinar' } },
        { type: 'Contact.Scored', entityId: id },
      ]);
    expect(outcome.created).toBe(false);
    expect(outcome.events[0]!.data['changes']).not.toHaveProperty('name');
  });
  it("lands on the merge target when the email was a merged source's", () => {
    const [source, target] = [contactId(), contactId()];
    given([
      created('Contact', target, { name: 'T' }),
      created('Contact', source, { name: 'S', email: 'old@startup.io' }),
      mergedInto(source, target),
    ])
      .when(capture({ email: 'old@startup.io' }))
      .then([
        { type: 'Contact.Captured', entityId: target },
        { type: 'Lead.Created', data: { contact: target } },
        { type: 'Contact.Scored' },
      ]);
  });
  it('follows a chain of merges to the live contact', () => {
    const [a, b, c] = [contactId(), contactId(), contactId()];
    given([
      created('Contact', c, { name: 'C' }),
      created('Contact', b, { name: 'B', email: 'b@startup.io' }),
      created('Contact', a, { name: 'A', email: 'a@startup.io' }),
      mergedInto(a, b),
      mergedInto(b, c),
    ])
      .when(capture({ email: 'a@startup.io' }))
      .then([
        { type: 'Contact.Captured', entityId: c },
        { type: 'Lead.Created', data: { contact: c } },
        { type: 'Contact.Scored' },
      ]);
  });
  it('refuses a new email without a name', () => {
    given([])
      .when(capture({ email: 'nobody@startup.io' }))
      .thenThrows('invalid');
  });
});

describe('assign', () => {
  it('sets the owner and keeps the previous one', () => {
    const id = contactId();
    given([created('Contact', id, { name: 'A', owner: 'ana' })])
      .when({ kind: 'assign', noun: 'Contact', id, owner: 'ben' })
      .then([
        {
          type: 'Contact.Assigned',
          entityId: id,
          data: { owner: 'ben', previousOwner: 'ana', changes: { owner: { from: 'ana', to: 'ben' } } },
        },
      ]);
  });
  it('is a no-op for the same owner', () => {
    const id = contactId();
    given([created('Contact', id, { name: 'A', owner: 'ana' })])
      .when({ kind: 'assign', noun: 'Contact', id, owner: 'ana' })
      .then([]);
  });
  it('refuses a deleted contact', () => {
    const id = contactId();
    given([created('Contact', id, { name: 'A' }), deleted(id)])
      .when({ kind: 'assign', noun: 'Contact', id, owner: 'ben' })
      .thenThrows('gone');
  });
});

describe('merge', () => {
  it('tombstones the sources, re-points their references and fills the target from them', () => {
    const [target, source, report, org] = [contactId(), contactId(), contactId(), idOf('org')];
    const [activity, lead] = [idOf('activity'), idOf('lead')];
    const scenario = given([
      created('Organization', org, { name: 'O' }),
      created('Contact', target, { name: 'Target', title: 'CEO' }),
      created('Contact', source, { name: 'Source', email: 's@startup.io', title: 'Intern', organization: org }),
      created('Contact', report, { name: 'Report', manager: source }),
      created('Activity', activity, { subject: 'Call', type: 'Call', contact: source }),
      created('Lead', lead, { contact: source, source: 'web' }),
    ]);
    scenario.when({ kind: 'merge', noun: 'Contact', id: target, sources: [source] }).then([
      { type: 'Contact.Merged', entityId: source, data: { into: target } },
      { type: 'Contact.Updated', entityId: report, data: { changes: { manager: { from: source, to: target } } } },
      { type: 'Lead.Updated', entityId: lead, data: { changes: { contact: { from: source, to: target } } } },
      { type: 'Activity.Updated', entityId: activity, data: { changes: { contact: { from: source, to: target } } } },
      {
        type: 'Contact.Merged',
        entityId: target,
        data: {
          sources: [source],
          aliases: ['s@startup.io'],
          changes: { email: { from: null, to: 's@startup.io' }, organization: { from: null, to: org } },
        },
      },
      { type: 'Contact.Scored', entityId: target },
    ]);
    expect(scenario.log.get(source)!.mergedInto).toBe(target);
    expect(scenario.log.get(target)!.fields['title']).toBe('CEO');
  });
  it('refuses the target as its own source', () => {
    const id = contactId();
    given([created('Contact', id, { name: 'A' })])
      .when({ kind: 'merge', noun: 'Contact', id, sources: [id] })
      .thenThrows('invalid_merge');
  });
  it('refuses a deleted source', () => {
    const [id, source] = [contactId(), contactId()];
    given([created('Contact', id, { name: 'A' }), created('Contact', source, { name: 'B' }), deleted(source)])
      .when({ kind: 'merge', noun: 'Contact', id, sources: [source] })
      .thenThrows('invalid_merge');
  });
  it('refuses a source merged already', () => {
    const [id, source, other] = [contactId(), contactId(), contactId()];
    given([
      created('Contact', id, { name: 'A' }),
      created('Contact', other, { name: 'C' }),
      created('Contact', source, { name: 'B' }),
      mergedInto(source, other),
    ])
      .when({ kind: 'merge', noun: 'Contact', id, sources: [source] })
      .thenThrows('merged');
  });
  it('refuses a merge whose re-pointed managers would close a loop', () => {
    // A reports to S; T reports to A. Merging S into T would make A report to T, who reports to A.
    const [t, s, a] = [contactId(), contactId(), contactId()];
    given([
      created('Contact', s, { name: 'S' }),
      created('Contact', a, { name: 'A', manager: s }),
      created('Contact', t, { name: 'T', manager: a }),
    ])
      .when({ kind: 'merge', noun: 'Contact', id: t, sources: [s] })
      .thenThrows('cycle');
  });
  it('clears a target manager that pointed at a source instead of making it its own manager', () => {
    const [t, s] = [contactId(), contactId()];
    const scenario = given([created('Contact', s, { name: 'S' }), created('Contact', t, { name: 'T', manager: s })]);
    scenario.when({ kind: 'merge', noun: 'Contact', id: t, sources: [s] }).then([
      { type: 'Contact.Merged', entityId: s },
      { type: 'Contact.Updated', entityId: t, data: { changes: { manager: { from: s, to: null } } } },
      { type: 'Contact.Merged', entityId: t },
    ]);
    expect(scenario.log.get(t)!.fields['manager']).toBeUndefined();
  });
});

describe('enrich', () => {
  it('fills empty fields only, with provenance per field, and derives names and the Gravatar avatar', () => {
    const id = contactId();
    const scenario = given([
      created('Contact', id, { name: 'Grace Brewster Hopper', email: 'Grace@Navy.mil', title: 'Rear Admiral' }),
    ]);
    scenario
      .when({
        kind: 'enrich',
        noun: 'Contact',
        id,
        data: { title: 'Ignored', department: 'Computing' },
        source: 'clearbit',
        overwrite: false,
      })
      .then([
        {
          type: 'Contact.Enriched',
          entityId: id,
          data: {
            source: 'clearbit',
            provenance: {
              department: 'clearbit',
              firstName: 'derived:name',
              lastName: 'derived:name',
              avatar: 'derived:gravatar',
            },
            changes: {
              department: { from: null, to: 'Computing' },
              firstName: { from: null, to: 'Grace' },
              lastName: { from: null, to: 'Brewster Hopper' },
              avatar: { from: null, to: `https://gravatar.com/avatar/${sha256Hex('grace@navy.mil')}?d=404` },
            },
          },
        },
      ]);
    expect(scenario.log.get(id)!.fields['title']).toBe('Rear Admiral');
  });
  it('overwrites filled fields with overwrite', () => {
    const id = contactId();
    given([created('Contact', id, { name: 'G', title: 'Old', avatar: 'https://a.example/x.png' })])
      .when({ kind: 'enrich', noun: 'Contact', id, data: { title: 'New' }, source: 'crm-import', overwrite: true })
      .then([
        {
          type: 'Contact.Enriched',
          data: { provenance: { title: 'crm-import' }, changes: { title: { from: 'Old', to: 'New' } } },
        },
      ]);
  });
  it('normalises the twitter handle and the LinkedIn URL', () => {
    const id = contactId();
    given([created('Contact', id, { name: 'G', avatar: 'https://a.example/x.png' })])
      .when({
        kind: 'enrich',
        noun: 'Contact',
        id,
        data: {
          twitterHandle: 'https://x.com/GraceHopper?s=20',
          linkedinUrl: 'http://linkedin.com/in/grace-hopper/?trk=1',
        },
        source: 'manual',
        overwrite: false,
      })
      .then([
        {
          type: 'Contact.Enriched',
          data: {
            changes: {
              twitterHandle: { to: '@GraceHopper' },
              linkedinUrl: { to: 'https://www.linkedin.com/in/grace-hopper' },
            },
          },
        },
      ]);
  });
  it('appends nothing when nothing is new', () => {
    const id = contactId();
    given([created('Contact', id, { name: 'Solo', title: 'CTO', avatar: 'https://a.example/x.png' })])
      .when({ kind: 'enrich', noun: 'Contact', id, data: { title: 'CEO' }, source: 's', overwrite: false })
      .then([]);
  });
  it('refuses an email another live contact holds', () => {
    const [id, other] = [contactId(), contactId()];
    given([created('Contact', other, { name: 'O', email: 'taken@startup.io' }), created('Contact', id, { name: 'I' })])
      .when({ kind: 'enrich', noun: 'Contact', id, data: { email: 'taken@startup.io' }, source: 's', overwrite: false })
      .thenThrows('duplicate');
  });
  it('derives the same avatar the README documents', () => {
    expect(gravatarUrl(' A@B.io ')).toBe(`https://gravatar.com/avatar/${sha256Hex('a@b.io')}?d=404`);
  });
});

describe('update', () => {
  it('refuses a manager that would close a loop with 409 cycle', () => {
    const [a, b] = [contactId(), contactId()];
    given([created('Contact', a, { name: 'A' }), created('Contact', b, { name: 'B', manager: a })])
      .when({ kind: 'update', noun: 'Contact', id: a, data: { manager: b } })
      .thenThrows('cycle');
  });
  it('rescores when an input changes, caused by the change', () => {
    const id = contactId();
    const outcome = given([created('Contact', id, { name: 'A', email: 'a@startup.io' })])
      .when({ kind: 'update', noun: 'Contact', id, data: { title: 'VP Sales' } })
      .then([
        { type: 'Contact.Updated' },
        { type: 'Contact.Scored', entityId: id, data: { changes: { leadScore: { from: 10, to: 25 } } } },
      ]);
    expect(outcome.events[1]!.causationId).toBe(outcome.events[0]!.id);
  });
  it('rescores a contact when an activity starts pointing at it', () => {
    const id = contactId();
    given([created('Contact', id, { name: 'A' })])
      .when({
        kind: 'create',
        noun: 'Activity',
        id: idOf('activity'),
        data: { subject: 'Demo', type: 'Meeting', contact: id },
      })
      .then([
        { type: 'Activity.Created' },
        { type: 'Contact.Scored', entityId: id, data: { changes: { leadScore: { from: 0, to: 8 } } } },
      ]);
  });
});

describe('settings', () => {
  it('records a changed threshold as Settings.Updated', () => {
    given([])
      .when({ kind: 'settings', patch: { qualifyThreshold: 55 } })
      .then([
        {
          type: 'Settings.Updated',
          entityId: 'settings',
          data: { changes: { qualifyThreshold: { from: null, to: 55 } } },
        },
      ]);
  });
  it('appends nothing for the same values', () => {
    const scenario = given([
      {
        type: 'Settings.Updated',
        entityType: 'Settings',
        entityId: 'settings',
        data: { changes: { weights: { from: null, to: { phone: 3 } } } },
      },
    ]);
    scenario.when({ kind: 'settings', patch: { weights: { phone: 3 } } }).then([]);
  });
});
