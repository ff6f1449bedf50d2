// After-hooks beyond the spec's defaults: a hook on any noun's verb, exactly once per trigger, its
// failure recorded in the log, retried when the alarm comes round.
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { Activity, Organization } from '../domain/crm';
import type { TenantLog } from '../durable-objects/tenant-log';
import { aContact } from './builders';
import { aTenant, apiJson } from './http';

const removals: (() => void)[] = [];
afterEach(() => {
  for (const remove of removals.splice(0)) remove();
});

async function eventsOf(tenant: string): Promise<any[]> {
  return (await apiJson(`/~${tenant}/events?limit=1000`)).body['data'];
}

const stubOf = (tenant: string) => env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant));

describe('an after-hook on Organization.created', () => {
  it('writes through $ with the trigger as cause, and runs once however often the runner comes round', async () => {
    removals.push(
      Organization.created(
        (org, $) => void $.Campaign.create({ name: `Welcome ${org.name}`, type: 'Email' }),
        'test:welcome',
      ),
    );
    const tenant = aTenant();
    const org = await apiJson(`/~${tenant}/organizations`, { body: { name: 'Globex' } });
    await runInDurableObject(stubOf(tenant), async (instance: TenantLog) => {
      await (
        instance as unknown as { parts: { hookRunner: { runDue(now: number): Promise<unknown> } } }
      ).parts.hookRunner.runDue(Date.now() + 3_600_000);
    });
    const events = await eventsOf(tenant);
    const created = events.find((e) => e.subject === org.body['$id']);
    const campaigns = events.filter((e) => e.type === 'Campaign.Created');
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0].causationid).toBe(created.id);
    expect(campaigns[0].actor).toBe('hook:test:welcome');
    expect(campaigns[0].data).toMatchObject({ name: 'Welcome Globex', type: 'Email' });
  });
});

describe('a failing after-hook', () => {
  it('records HookRun.Failed, arms the alarm, and appends its writes once it succeeds on a retry', async () => {
    let failing = true;
    removals.push(
      Activity.created((activity, $) => {
        if (failing) throw new Error('CRM sync is down');
        $.Activity.update(activity.$id, { status: 'Completed' });
      }, 'test:flaky'),
    );
    const tenant = aTenant();
    const contact = await apiJson(`/~${tenant}/contacts`, { body: aContact() });
    const activity = await apiJson(`/~${tenant}/activities`, {
      body: { subject: 'Call', type: 'Call', contact: contact.body['$id'] },
    });
    expect(activity.status).toBe(201);

    let events = await eventsOf(tenant);
    const failed = events.filter((e) => e.type === 'HookRun.Failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].data.changes).toMatchObject({
      hook: { to: 'test:flaky' },
      status: { to: 'Failing' },
      attempts: { to: 1 },
      lastError: { to: 'CRM sync is down' },
    });
    const trigger = events.find((e) => e.type === 'Activity.Created');
    expect(failed[0].causationid).toBe(trigger.id);
    const alarm = await runInDurableObject(stubOf(tenant), (_: TenantLog, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect((await apiJson(`/~${tenant}/hooks`)).body).toMatchObject({ pending: 1 });

    failing = false;
    // The alarm only runs what is due; time passing is simulated by asking the runner an hour ahead.
    await runInDurableObject(stubOf(tenant), async (instance: TenantLog) => {
      await (
        instance as unknown as { parts: { hookRunner: { runDue(now: number): Promise<unknown> } } }
      ).parts.hookRunner.runDue(Date.now() + 3_600_000);
    });
    await runDurableObjectAlarm(stubOf(tenant));
    events = await eventsOf(tenant);
    expect(events.filter((e) => e.type === 'HookRun.Succeeded')).toHaveLength(1);
    const updates = events.filter((e) => e.type === 'Activity.Updated');
    expect(updates).toHaveLength(1);
    expect(updates[0].causationid).toBe(trigger.id);
    expect((await apiJson(`/~${tenant}/activities/${activity.body['$id']}`)).body['status']).toBe('Completed');
    expect((await apiJson(`/~${tenant}/hooks`)).body).toMatchObject({ pending: 0 });
  });

  it('records a hook that writes invalid data as a failure, not a 500, and leaves the command committed', async () => {
    removals.push(Organization.created((_org, $) => void $.Deal.create({ value: 'a lot' }), 'test:invalid-write'));
    const tenant = aTenant();
    const org = await apiJson(`/~${tenant}/organizations`, { body: { name: 'Initech' } });
    expect(org.status).toBe(201);
    const failed = (await eventsOf(tenant)).filter((e) => e.type === 'HookRun.Failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].data.changes.lastError.to).toContain('$.Deal.create');
  });
});

describe('a hook that keeps failing', () => {
  it('is retried with backoff and abandoned after 8 attempts, each failure in the log', async () => {
    removals.push(
      Organization.updated(() => {
        throw new Error('still down');
      }, 'test:always-down'),
    );
    const tenant = aTenant();
    const org = await apiJson(`/~${tenant}/organizations`, { body: { name: 'Umbrella' } });
    await apiJson(`/~${tenant}/organizations/${org.body['$id']}`, { method: 'PATCH', body: { industry: 'Pharma' } });
    for (let hour = 1; hour <= 10; hour++)
      await runInDurableObject(stubOf(tenant), async (instance: TenantLog) => {
        await (
          instance as unknown as { parts: { hookRunner: { runDue(now: number): Promise<unknown> } } }
        ).parts.hookRunner.runDue(Date.now() + hour * 3_600_000);
      });
    const events = await eventsOf(tenant);
    const runs = events.filter((e) => e.type.startsWith('HookRun.'));
    expect(runs.map((e) => e.type)).toEqual([...Array(7).fill('HookRun.Failed'), 'HookRun.Abandoned']);
    expect(runs.map((e) => e.data.changes.attempts?.to)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(runs.map((e) => e.subject)).size).toBe(1);
    expect((await apiJson(`/~${tenant}/hooks`)).body).toMatchObject({ pending: 0, abandoned: 1 });
  });
});

describe('a before-hook on any verb', () => {
  it('rejects with 422 and its message, appending nothing', async () => {
    removals.push(
      Organization.deleting(() => {
        throw new Error('Organizations are archived, never deleted');
      }, 'test:no-delete'),
    );
    const tenant = aTenant();
    const org = await apiJson(`/~${tenant}/organizations`, { body: { name: 'Hooli' } });
    const refused = await apiJson(`/~${tenant}/organizations/${org.body['$id']}`, { method: 'DELETE' });
    expect(refused.status).toBe(422);
    expect(refused.body['detail']).toBe('Organizations are archived, never deleted');
    expect((await apiJson(`/~${tenant}/organizations/${org.body['$id']}`)).status).toBe(200);
  });
});
