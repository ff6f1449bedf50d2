// Property, through the Worker and the Durable Object: after random sequences of valid and invalid
// commands (sent as batches), the state the log folded incrementally in SQLite equals a full replay
// of its events, emails are unique among live contacts, stages moved only along the table, and no
// manager cycle exists.
import { exports } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { represent } from '../domain/entity';
import type { StoredEvent } from '../domain/events';
import { fold } from '../domain/evolve';
import { nounByName } from '../domain/nouns';
import { EMAILS, POOL, step, type Step } from './domain/commands.arbitrary';
import { duplicateEmails, illegalStageMoves, managerCycles } from './domain/invariants';
import { ADMIN, aTenant, apiJson } from './http';

function toOperation(s: Step, ids: readonly string[]): Record<string, unknown> {
  const id = (i: number) => ids[i]!;
  switch (s.op) {
    case 'create':
      return {
        type: 'Contact',
        verb: 'create',
        data: {
          name: `C${s.i}`,
          ...(s.email === undefined ? {} : { email: EMAILS[s.email] }),
          ...(s.stage ? { stage: s.stage } : {}),
          ...(s.manager === undefined ? {} : { manager: id(s.manager) }),
        },
      };
    case 'update': {
      const { email, manager, ...rest } = s.data;
      return {
        type: 'Contact',
        verb: 'update',
        id: id(s.i),
        data: {
          ...rest,
          ...(email === undefined ? {} : { email: EMAILS[email] }),
          ...(manager === undefined ? {} : { manager: manager === null ? null : id(manager) }),
        },
      };
    }
    case 'qualify':
      return { type: 'Contact', verb: 'qualify', id: id(s.i) };
    case 'assign':
      return { type: 'Contact', verb: 'assign', id: id(s.i), data: { owner: s.owner } };
    case 'capture':
      return {
        type: 'Contact',
        verb: 'capture',
        data: { name: 'Captured', email: s.upper ? EMAILS[s.email]!.toUpperCase() : EMAILS[s.email], source: s.source },
      };
    case 'merge':
      return { type: 'Contact', verb: 'merge', id: id(s.i), data: { sources: s.sources.map(id) } };
    case 'enrich':
      return {
        type: 'Contact',
        verb: 'enrich',
        id: id(s.i),
        data: {
          data: {
            ...(s.title ? { title: s.title } : {}),
            ...(s.email === undefined ? {} : { email: EMAILS[s.email] }),
          },
          source: 'prop',
          overwrite: s.overwrite,
        },
      };
    case 'delete':
      return { type: 'Contact', verb: 'delete', id: id(s.i) };
    case 'activity':
      return { type: 'Activity', verb: 'create', data: { subject: 'A', type: s.type, contact: id(s.i) } };
  }
}

async function logOf(tenant: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (let after = 0; ; ) {
    const page = (await apiJson(`/~${tenant}/events?after=${after}&limit=1000`)).body;
    for (const e of page['data'])
      events.push({ ...e, entityType: e.type.split('.')[0], entityId: e.subject, entityVersion: e.entityversion });
    if (!page['next']) return events;
    after = Number(page['next']);
  }
}

async function readAsStored(
  tenant: string,
  collection: string,
  id: string,
): Promise<{ status: number; body: unknown }> {
  const response = await exports.default.fetch(
    new Request(`http://crm.test/~${tenant}/${collection}/${id}`, {
      redirect: 'manual',
      headers: { authorization: `Bearer ${ADMIN}` },
    }),
  );
  return { status: response.status, body: await response.json() };
}

describe('the lifecycle over random command sequences (Durable Object)', () => {
  it('keeps SQLite state = full replay, unique live emails, legal stage moves and no manager cycle', {
    timeout: 30_000,
  }, async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ stage: fc.constantFrom('Lead', 'Customer', 'Partner'), email: fc.boolean() }), {
          minLength: POOL,
          maxLength: POOL,
        }),
        fc.array(step, { minLength: 15, maxLength: 40 }),
        async (seeds, sequence) => {
          const tenant = aTenant('prop');
          const pool = await apiJson(`/~${tenant}/batch`, {
            method: 'POST',
            body: {
              atomic: true,
              operations: seeds.map((seed, i) => ({
                type: 'Contact',
                verb: 'create',
                data: { name: `P${i}`, stage: seed.stage, ...(seed.email ? { email: `p${i}@startup.io` } : {}) },
              })),
            },
          });
          const ids: string[] = pool.body['results'].map((r: any) => r.body.$id);
          const run = await apiJson(`/~${tenant}/batch`, {
            method: 'POST',
            body: { operations: sequence.map((s) => toOperation(s, ids)) },
          });
          expect(run.status).toBe(200);
          accepted += run.body['results'].filter((r: any) => r.status < 300).length;

          const events = await logOf(tenant);
          const replayed = fold(events);
          for (const entity of replayed.values()) {
            const noun = nounByName.get(entity.type);
            if (!noun) continue;
            const stored = await readAsStored(tenant, noun.collection, entity.id);
            if (entity.deletedAt) expect(stored.status).toBe(410);
            else if (entity.mergedInto) expect(stored.status).toBe(308);
            else expect(stored.body).toEqual(represent(entity));
          }
          expect(duplicateEmails(replayed.values())).toEqual([]);
          expect(illegalStageMoves(events)).toEqual([]);
          expect(managerCycles(replayed)).toEqual([]);
        },
      ),
      { numRuns: 12 },
    );
    // The sequences must do things, not only be refused.
    expect(accepted).toBeGreaterThan(100);
  });
});
