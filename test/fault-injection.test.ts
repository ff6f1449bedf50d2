// What if the k-th SQL statement of a request throws? For every k: the request fails cleanly (a
// problem+json 500, or its success if the fault came after the commit), SQLite's state equals a replay
// of the log, memory equals SQLite, the head is unchanged by a failure, and the next write gets the
// next gapless seq. For a create, a qualify with its after-hooks, a merge, an atomic batch and a
// settings change (docs/write-path.md).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { aCampaign, aContact, anActivity, created } from './builders';
import { armFault, disarmFault, expectReplayEqualsState, installFaults } from './fault-injection';
import { aTenant, api, apiJson, type Call } from './http';

interface Scenario {
  readonly name: string;
  /** Once per tenant, before any fault. */
  readonly prepare?: (tenant: string) => Promise<void>;
  /** Before each k, without faults: what the request needs (fresh each time). */
  readonly setup: (tenant: string, k: number) => Promise<{ path: string; call: Call }>;
  /** After-hooks retried by alarm may append between two requests. */
  readonly hooks?: boolean;
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'a create under an Idempotency-Key',
    setup: async (_tenant, k) => ({
      path: 'contacts',
      call: { method: 'POST', body: aContact({ title: 'VP Sales' }), headers: { 'idempotency-key': `create-${k}` } },
    }),
  },
  {
    name: 'a qualify with its after-hooks',
    hooks: true,
    prepare: async (tenant) =>
      void (await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { qualifyThreshold: 0 } })),
    setup: async (tenant) => ({
      path: `contacts/${(await created(tenant, 'contacts', aContact({ stage: 'Lead' })))['$id']}/qualify`,
      call: { method: 'POST' },
    }),
  },
  {
    name: 'a merge of two contacts with references, under an Idempotency-Key',
    setup: async (tenant, k) => {
      const [target, a, b] = await Promise.all(
        [aContact(), aContact({ phone: '+1 555 0100' }), aContact()].map((c) => created(tenant, 'contacts', c)),
      );
      await created(tenant, 'activities', anActivity({ contact: a!['$id'] }));
      await apiJson(`/~${tenant}/contacts/${b!['$id']}`, { method: 'PATCH', body: { manager: a!['$id'] } });
      return {
        path: `contacts/${target!['$id']}/merge`,
        call: {
          method: 'POST',
          body: { sources: [a!['$id'], b!['$id']] },
          headers: { 'idempotency-key': `merge-${k}` },
        },
      };
    },
  },
  {
    name: 'an atomic batch under an Idempotency-Key',
    setup: async (tenant, k) => {
      const existing = (await created(tenant, 'contacts', aContact()))['$id'];
      const operations = [
        { type: 'Contact', verb: 'create', data: aContact({ manager: existing }) },
        { type: 'Contact', verb: 'update', id: existing, data: { phone: '+1 555 0199', role: 'DecisionMaker' } },
        { type: 'Activity', verb: 'create', data: anActivity({ contact: existing, type: 'Meeting' }) },
      ];
      return {
        path: 'batch',
        call: { method: 'POST', body: { operations, atomic: true }, headers: { 'idempotency-key': `batch-${k}` } },
      };
    },
  },
  {
    // Not one of the five: its operations are parts (savepoints) of the unit, two refused.
    name: 'an independent batch with a refused operation, under an Idempotency-Key',
    setup: async (tenant, k) => {
      const existing = (await created(tenant, 'contacts', aContact()))['$id'];
      const operations = [
        { type: 'Contact', verb: 'update', id: existing, data: { phone: '+1 555 0142' } },
        { type: 'Contact', verb: 'update', id: 'contact_01J0000000000000000000NONE', data: { title: 'CTO' } },
        // Refused by the qualifying hook after its event was appended and folded: the part rolls back.
        { type: 'Contact', verb: 'qualify', id: existing },
        { type: 'Contact', verb: 'create', data: aContact({ manager: existing }) },
      ];
      const headers = { 'idempotency-key': `independent-${k}` };
      return { path: 'batch', call: { method: 'POST', body: { operations, atomic: false }, headers } };
    },
  },
  {
    name: 'a settings change that rescores every contact',
    prepare: async (tenant) => {
      for (const title of ['CEO', 'Director of Sales', 'Engineer'])
        await created(tenant, 'contacts', aContact({ title, phone: '+1 555 0101' }));
    },
    setup: async (_tenant, k) => ({
      path: 'settings',
      call: { method: 'PATCH', body: { weights: { phone: (k % 20) + 1, titleExecutive: 20 + (k % 2) } } },
    }),
  },
];

let quiet: ReturnType<typeof vi.spyOn>;
beforeAll(() => {
  // Each injected fault is logged by the object as an unexpected error: expected here.
  quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterAll(() => quiet.mockRestore());

describe.each(SCENARIOS)('$name, with the k-th SQL statement throwing', ({ prepare, setup, hooks }) => {
  it('fails cleanly for every k, leaving state = replay of the log and the next seq gapless', {
    timeout: 180_000,
  }, async () => {
    const tenant = aTenant('fault');
    await created(tenant, 'campaigns', aCampaign());
    await installFaults(tenant);
    await prepare?.(tenant);
    let failures = 0;
    for (let k = 1; ; k++) {
      const { path, call } = await setup(tenant, k);
      const { head: before } = await expectReplayEqualsState(tenant, `before k=${k}`);
      armFault(tenant, k);
      const answer = await api(`/~${tenant}/${path}`, call);
      const fired = disarmFault(tenant);
      const context = `k=${k}, status ${answer.status}`;
      await answer.arrayBuffer();
      if (!fired) {
        expect(answer.status, context).toBeLessThan(300);
        break;
      }
      if (answer.status >= 500) {
        failures++;
        expect(answer.status, context).toBe(500);
        expect(answer.headers.get('content-type'), context).toBe('application/problem+json');
      } else
        expect(answer.status, `${context}: a fault after the commit leaves the answer a success`).toBeLessThan(300);
      const { head } = await expectReplayEqualsState(tenant, context);
      if (answer.status >= 500) expect(head, `${context}: head unchanged`).toBe(before);
      const next = await apiJson(`/~${tenant}/campaigns`, { method: 'POST', body: aCampaign() });
      expect(next.status, context).toBe(201);
      if (hooks) expect(Number(next.headers.get('x-event-seq')), context).toBeGreaterThan(head);
      else expect(Number(next.headers.get('x-event-seq')), `${context}: next seq`).toBe(head + 1);
      expect(k, 'the request ends within 5,000 statements').toBeLessThan(5_000);
    }
    expect(failures, 'some faults failed the request').toBeGreaterThan(0);
    await expectReplayEqualsState(tenant, 'at the end');
  });
});
