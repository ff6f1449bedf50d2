// Every move of DESIGN §3's stage table, allowed and refused, for update and for qualify.
import { describe, expect, it } from 'vitest';
import { created, given, idOf } from './given';

const STAGES = ['Lead', 'Qualified', 'Customer', 'Churned', 'Partner'] as const;

// Written out by hand (not read from the code's table), so a wrong table fails here.
const ALLOWED_BY_UPDATE = [
  'Qualified→Customer',
  'Qualified→Partner',
  'Customer→Churned',
  'Partner→Churned',
  'Churned→Customer',
];
const ALLOWED_TARGETS: Record<string, string[]> = {
  Lead: ['Qualified'],
  Qualified: ['Customer', 'Partner'],
  Customer: ['Churned'],
  Partner: ['Churned'],
  Churned: ['Customer'],
};

function aContactIn(stage: string) {
  const id = idOf('contact');
  return { id, scenario: given([created('Contact', id, { name: 'Ada', email: `${id}@startup.io`, stage })]) };
}

for (const from of STAGES) {
  describe(`a ${from} contact`, () => {
    for (const to of STAGES) {
      const move = `${from}→${to}`;
      if (from === to) {
        it(`accepts an update to ${to} as a no-op`, () => {
          const { id, scenario } = aContactIn(from);
          scenario.when({ kind: 'update', noun: 'Contact', id, data: { stage: to } }).then([]);
        });
      } else if (ALLOWED_BY_UPDATE.includes(move)) {
        it(`moves to ${to} by update`, () => {
          const { id, scenario } = aContactIn(from);
          scenario
            .when({ kind: 'update', noun: 'Contact', id, data: { stage: to } })
            .then([{ type: 'Contact.Updated', entityId: id, data: { changes: { stage: { from, to } } } }]);
          expect(scenario.log.get(id)!.fields['stage']).toBe(to);
        });
      } else {
        it(`refuses an update to ${to} with 409 naming ${from} and its allowed targets`, () => {
          const { id, scenario } = aContactIn(from);
          const error = scenario
            .when({ kind: 'update', noun: 'Contact', id, data: { stage: to } })
            .thenThrows('invalid_transition');
          expect(error.detail.extra).toMatchObject({ stage: from, allowed: ALLOWED_TARGETS[from] });
          expect(error.message).toContain(`a ${from} contact cannot move to ${to}`);
          if (move === 'Lead→Qualified') expect(error.message).toContain('qualify');
        });
      }
    }
    if (from === 'Lead') {
      it('moves to Qualified by qualify', () => {
        const { id, scenario } = aContactIn(from);
        scenario.when({ kind: 'qualify', noun: 'Contact', id }).then([
          {
            type: 'Contact.Qualified',
            entityId: id,
            data: { changes: { stage: { from: 'Lead', to: 'Qualified' } } },
          },
        ]);
      });
    } else {
      it('refuses qualify with 409 (Lead only)', () => {
        const { id, scenario } = aContactIn(from);
        const error = scenario
          .when({ kind: 'qualify', noun: 'Contact', id })
          .thenThrows('invalid_transition', /Lead only/);
        expect(error.detail.extra).toMatchObject({ stage: from });
      });
    }
  });
}

// A Created event without a stage (a log written before stages defaulted) folds as a Lead.
describe('a contact whose Created event has no stage', () => {
  it('is a Lead: an update to Lead is a no-op', () => {
    const id = idOf('contact');
    const scenario = given([created('Contact', id, { name: 'Ada' })]);
    expect(scenario.log.get(id)!.fields['stage']).toBe('Lead');
    scenario.when({ kind: 'update', noun: 'Contact', id, data: { stage: 'Lead' } }).then([]);
  });
  for (const to of ['Qualified', 'Customer', 'Partner', 'Churned']) {
    it(`refuses an update to ${to} with 409 naming Lead`, () => {
      const id = idOf('contact');
      const error = given([created('Contact', id, { name: 'Ada' })])
        .when({ kind: 'update', noun: 'Contact', id, data: { stage: to } })
        .thenThrows('invalid_transition');
      expect(error.detail.extra).toMatchObject({ stage: 'Lead', allowed: ['Qualified'] });
    });
  }
  it('refuses an update that clears the stage', () => {
    const id = idOf('contact');
    given([created('Contact', id, { name: 'Ada' })])
      .when({ kind: 'update', noun: 'Contact', id, data: { stage: null } })
      .thenThrows('invalid_transition');
  });
  it('moves to Qualified by qualify', () => {
    const id = idOf('contact');
    given([created('Contact', id, { name: 'Ada', email: `${id}@startup.io` })])
      .when({ kind: 'qualify', noun: 'Contact', id })
      .then([
        { type: 'Contact.Qualified', entityId: id, data: { changes: { stage: { from: 'Lead', to: 'Qualified' } } } },
      ]);
  });
});

describe('a create without a stage', () => {
  it('records the contact as a Lead', () => {
    const id = idOf('contact');
    given([])
      .when({ kind: 'create', noun: 'Contact', id, data: { name: 'Ada' } })
      .then([{ type: 'Contact.Created', entityId: id, data: { name: 'Ada', stage: 'Lead' } }]);
  });
});
