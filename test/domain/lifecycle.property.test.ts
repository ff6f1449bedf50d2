// Property: over random sequences of valid and invalid commands, the incrementally folded state
// equals a full replay of the log, emails stay unique among live contacts, stages move only along
// the table, and no manager cycle exists.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../../domain/evolve';
import { DomainError } from '../../domain/errors';
import { bindNouns } from '../../domain/crm';
import { installDefaultHooks } from '../../domain/default-hooks';
import { HookRegistry } from '../../domain/hooks';
import { MemoryLog } from './memory-log';
import { runCommand } from '../../domain/pipeline';
import type { AnyCommand } from '../../domain/verbs/commands';
import { EMAILS, scenario, type Step } from './commands.arbitrary';
import { duplicateEmails, illegalStageMoves, managerCycles } from './invariants';

const TIME = '2026-03-01T12:00:00.000Z';
const contact = (i: number) => `contact_${String(i).padStart(26, '0')}`;
let minted = 0;
const fresh = (prefix: string) => `${prefix}_${String(++minted).padStart(26, '9')}`;

function toCommand(s: Step): AnyCommand {
  switch (s.op) {
    case 'create':
      return {
        kind: 'create',
        noun: 'Contact',
        id: contact(s.i),
        data: {
          name: `C${s.i}`,
          ...(s.email === undefined ? {} : { email: EMAILS[s.email] }),
          ...(s.stage ? { stage: s.stage } : {}),
          ...(s.manager === undefined ? {} : { manager: contact(s.manager) }),
          ...(s.title ? { title: s.title } : {}),
        },
      };
    case 'update': {
      const { email, manager, ...rest } = s.data;
      return {
        kind: 'update',
        noun: 'Contact',
        id: contact(s.i),
        data: {
          ...rest,
          ...(email === undefined ? {} : { email: EMAILS[email] }),
          ...(manager === undefined ? {} : { manager: manager === null ? null : contact(manager) }),
        },
      };
    }
    case 'qualify':
      return { kind: 'qualify', noun: 'Contact', id: contact(s.i) };
    case 'assign':
      return { kind: 'assign', noun: 'Contact', id: contact(s.i), owner: s.owner };
    case 'capture': {
      const email = EMAILS[s.email]!;
      return {
        kind: 'capture',
        noun: 'Contact',
        newId: fresh('contact'),
        leadId: fresh('lead'),
        time: TIME,
        data: { name: 'Captured', email: s.upper ? email.toUpperCase() : email, source: s.source },
      };
    }
    case 'merge':
      return { kind: 'merge', noun: 'Contact', id: contact(s.i), sources: s.sources.map(contact) };
    case 'enrich':
      return {
        kind: 'enrich',
        noun: 'Contact',
        id: contact(s.i),
        data: { ...(s.title ? { title: s.title } : {}), ...(s.email === undefined ? {} : { email: EMAILS[s.email] }) },
        source: 'prop',
        overwrite: s.overwrite,
      };
    case 'delete':
      return { kind: 'delete', noun: 'Contact', id: contact(s.i) };
    case 'activity':
      return {
        kind: 'create',
        noun: 'Activity',
        id: fresh('activity'),
        data: { subject: 'A', type: s.type, contact: contact(s.i) },
      };
  }
}

describe('the lifecycle over random command sequences (in memory)', () => {
  it('keeps replay = incremental fold, unique live emails, legal stage moves and no manager cycle', () => {
    const tally = { accepted: 0, refused: {} as Record<string, number> };
    fc.assert(
      fc.property(scenario, (sequence) => {
        const registry = new HookRegistry();
        installDefaultHooks(bindNouns(registry));
        const log = new MemoryLog(TIME);
        for (const s of sequence) {
          try {
            log.transaction(() => runCommand(toCommand(s), log, { time: TIME, hooks: registry }));
            tally.accepted++;
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            tally.refused[error.detail.code] = (tally.refused[error.detail.code] ?? 0) + 1;
          }
        }
        expect(fold(log.events)).toEqual(log.entities);
        expect(duplicateEmails(log.entities.values())).toEqual([]);
        expect(illegalStageMoves(log.events)).toEqual([]);
        expect(managerCycles(log.entities)).toEqual([]);
      }),
      { numRuns: 300 },
    );
    // The generator must exercise both sides: plenty accepted, and refusals of several kinds.
    expect(tally.accepted).toBeGreaterThan(1_000);
    expect(Object.keys(tally.refused).length).toBeGreaterThanOrEqual(4);
    console.log('property run:', JSON.stringify(tally));
  });
});

describe('the invariant checks', () => {
  it('catch what they look for', () => {
    const log = new MemoryLog(TIME);
    log.append([
      {
        type: 'Contact.Created',
        entityType: 'Contact',
        entityId: contact(1),
        data: { name: 'A', email: 'x@y.io', stage: 'Lead', manager: contact(2) },
      },
      {
        type: 'Contact.Created',
        entityType: 'Contact',
        entityId: contact(2),
        data: { name: 'B', email: 'X@y.io', manager: contact(1) },
      },
      {
        type: 'Contact.Updated',
        entityType: 'Contact',
        entityId: contact(1),
        data: { changes: { stage: { from: 'Lead', to: 'Customer' } } },
      },
    ]);
    expect(duplicateEmails(log.entities.values())).toHaveLength(1);
    expect(managerCycles(log.entities)).toHaveLength(2);
    expect(illegalStageMoves(log.events)).toHaveLength(1);
  });
});
