// After-hooks a crash interrupted: the qualify committed with its hook jobs, and the process died before the
// hooks ran (nothing armed the alarm). Once the object is awake again, the hooks run by themselves, once.
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { CallContext } from '../shared/protocol';
import type { CommandInput } from '../durable-objects/tenant-log';
import { aContact, created } from './builders';
import { aTenant, apiJson } from './http';

const stubOf = (tenant: string) => env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant));

async function causedBy(tenant: string, triggerId: string): Promise<string[]> {
  const page = await apiJson(`/~${tenant}/events?limit=1000`);
  const events = page.body['data'] as { type: string; causationid?: string }[];
  return events
    .filter((e) => e.causationid === triggerId)
    .map((e) => e.type)
    .sort();
}

describe('after-hooks left pending by a crash', () => {
  it('run once the object is awake again, without another write', { timeout: 20_000 }, async () => {
    const tenant = aTenant();
    const scoresEnough = { stage: 'Lead', title: 'CEO', phone: '+1 555 0100', role: 'DecisionMaker' };
    const lead = await created(tenant, 'contacts', aContact(scoresEnough));
    // The qualify's transaction alone (executeNow, as a group's item): committed, its hooks not run.
    const call: CallContext = { tenant, principal: { kind: 'admin' } };
    const input = { kind: 'qualify', noun: 'Contact', id: lead['$id'] } as CommandInput;
    const outcome = await runInDurableObject(stubOf(tenant), (instance) =>
      (instance as unknown as { executeNow(c: CallContext, i: CommandInput): { ok: boolean } }).executeNow(call, input),
    );
    expect(outcome.ok).toBe(true);
    await evictDurableObject(stubOf(tenant)); // the crash: memory gone, and no alarm was armed
    const qualifies = await apiJson(`/~${tenant}/events?type=Contact.Qualified`);
    const qualified = (qualifies.body['data'] as { id: string }[])[0]!;

    const deadline = Date.now() + 10_000;
    while ((await causedBy(tenant, qualified.id)).length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await causedBy(tenant, qualified.id)).toEqual(['Activity.Created', 'Deal.Created']);
  });
});
