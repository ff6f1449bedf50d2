// Tenant settings through events, and the lead score's breakdown.
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { aContact } from './builders';
import { aTenant, apiJson, eventCount } from './http';

describe('GET/PATCH /~t/settings', () => {
  it('starts at the defaults and changes through a Settings.Updated event', async () => {
    const tenant = aTenant();
    const initial = await apiJson(`/~${tenant}/settings`);
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({
      qualifyThreshold: 40,
      $version: 0,
      weights: { businessEmail: 10, titleExecutive: 20, bouncedPenalty: 20 },
    });
    const patched = await apiJson(`/~${tenant}/settings`, {
      method: 'PATCH',
      body: { qualifyThreshold: 60, weights: { phone: 9 } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ qualifyThreshold: 60, $version: 1, weights: { phone: 9, businessEmail: 10 } });
    const events = await apiJson(`/~${tenant}/events?type=Settings.Updated`);
    expect(events.body['data'][0].data.changes).toMatchObject({
      qualifyThreshold: { from: null, to: 60 },
      weights: { to: { phone: 9 } },
    });
    expect((await apiJson(`/~${tenant}/settings`)).body['qualifyThreshold']).toBe(60);
  });

  it('refuses unknown settings (400) and out-of-range values (422), changing nothing', async () => {
    const tenant = aTenant();
    expect((await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { colour: 'red' } })).status).toBe(400);
    expect(
      (await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { weights: { charisma: 5 } } })).status,
    ).toBe(400);
    expect((await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { qualifyThreshold: 101 } })).status).toBe(
      422,
    );
    expect((await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { weights: { phone: -1 } } })).status).toBe(
      422,
    );
    expect(await eventCount(tenant)).toBe(0);
  });
});

describe('settings and scopes', () => {
  it('lets a write key read the settings but only an admin key change them (403)', async () => {
    const tenant = aTenant();
    const key = (await apiJson(`/~${tenant}/keys`, { method: 'POST', body: { name: 'app', scopes: ['write'] } })).body[
      'key'
    ];
    expect((await apiJson(`/~${tenant}/settings`, { token: key })).status).toBe(200);
    const refused = await apiJson(`/~${tenant}/settings`, {
      method: 'PATCH',
      body: { qualifyThreshold: 10 },
      token: key,
    });
    expect(refused.status).toBe(403);
    expect(await eventCount(tenant)).toBe(0);
  });
});

describe('GET /~t/contacts/{id}/score', () => {
  it('gives the breakdown line by line, adding up to the stored leadScore', async () => {
    const tenant = aTenant();
    const contact = await apiJson(`/~${tenant}/contacts`, {
      body: aContact({ email: 'vp@startup.io', title: 'VP Engineering', role: 'DecisionMaker', mobile: '+1 555' }),
    });
    expect(contact.body['leadScore']).toBe(10 + 15 + 15 + 5);
    await apiJson(`/~${tenant}/activities`, {
      body: { subject: 'Demo', type: 'Meeting', contact: contact.body['$id'] },
    });
    await apiJson(`/~${tenant}/activities`, {
      body: { subject: 'Cancelled call', type: 'Call', status: 'Cancelled', contact: contact.body['$id'] },
    });
    const score = await apiJson(`/~${tenant}/contacts/${contact.body['$id']}/score`);
    expect(score.status).toBe(200);
    expect(score.body).toMatchObject({
      $id: contact.body['$id'],
      leadScore: 53,
      total: 53,
      breakdown: {
        fit: [
          { rule: 'business email domain startup.io', points: 10 },
          { rule: 'title "VP Engineering" (director)', points: 15 },
          { rule: 'role DecisionMaker', points: 15 },
          { rule: 'has a phone number', points: 5 },
        ],
        engagement: [{ rule: 'activities: 1 Meeting (max 25)', points: 8 }],
        penalties: [],
      },
    });
    const scored = (await apiJson(`/~${tenant}/events?type=Contact.Scored`)).body['data'];
    expect(scored.map((e: any) => e.data.changes.leadScore)).toEqual([{ from: 45, to: 53 }]);
  });

  it('drops with penalties and clamps at 0', async () => {
    const tenant = aTenant();
    const contact = await apiJson(`/~${tenant}/contacts`, { body: aContact({ email: 'someone@gmail.com' }) });
    expect(contact.body['leadScore']).toBe(2);
    const bounced = await apiJson(`/~${tenant}/contacts/${contact.body['$id']}`, {
      method: 'PATCH',
      body: { status: 'Bounced' },
    });
    expect(bounced.body['leadScore']).toBe(0);
  });

  it('refuses a client-written leadScore with 422 and answers 404 for an unknown contact', async () => {
    const tenant = aTenant();
    expect((await apiJson(`/~${tenant}/contacts`, { body: aContact({ leadScore: 99 }) })).status).toBe(422);
    expect((await apiJson(`/~${tenant}/contacts/contact_01ARZ3NDEKTSV4RRFFQ69G5FAV/score`)).status).toBe(404);
  });
});

describe('a change of scoring weights', () => {
  it('rescores every live contact, caused by the Settings.Updated event, the rest by alarm', async () => {
    const tenant = aTenant();
    const operations = Array.from({ length: 620 }, (_, i) => ({
      type: 'Contact',
      verb: 'create',
      data: { name: `W ${i}`, email: `w${i}@startup.io`, phone: '+1 555' },
    }));
    const made = await apiJson(`/~${tenant}/batch`, { method: 'POST', body: { atomic: true, operations } });
    expect(made.status).toBe(200);
    const patched = await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { weights: { phone: 9 } } });
    expect(patched.status).toBe(200);
    await runDurableObjectAlarm(env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant)));
    const settingsEvent = (await apiJson(`/~${tenant}/events?type=Settings.Updated`)).body['data'][0];
    const scored: any[] = [];
    for (let after = 0; ; ) {
      const page = (await apiJson(`/~${tenant}/events?type=Contact.Scored&after=${after}&limit=1000`)).body;
      scored.push(...page['data']);
      if (!page['next']) break;
      after = Number(page['next']);
    }
    expect(scored).toHaveLength(620);
    expect(
      scored.every(
        (e) =>
          e.causationid === settingsEvent.id &&
          e.data.changes.leadScore.from === 15 &&
          e.data.changes.leadScore.to === 19,
      ),
    ).toBe(true);
    const last = await apiJson(`/~${tenant}/contacts/${made.body['results'][619].body.$id}/score`);
    expect(last.body).toMatchObject({ leadScore: 19, total: 19 });
  });
});

describe('recency', () => {
  it('decays by a daily rescore the first engagement schedules', async () => {
    const tenant = aTenant();
    const captured = await apiJson(`/~${tenant}/contacts/capture`, {
      method: 'POST',
      body: { name: 'Eve', email: 'eve@startup.io', source: 'web' },
    });
    // business email 10 + one capture 5 + engaged within 30 days 10
    expect(captured.body['leadScore']).toBe(25);
    const stub = env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant));
    const alarm = await runInDurableObject(stub, (_: unknown, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    // The pass that runs 31 days later finds the engagement between 30 and 90 days old.
    await runInDurableObject(stub, (instance: unknown) =>
      (instance as { parts: { rescore: { runChunk(now: number): unknown } } }).parts.rescore.runChunk(
        Date.now() + 31 * 86_400_000,
      ),
    );
    const scored = (await apiJson(`/~${tenant}/events?type=Contact.Scored`)).body['data'];
    expect(scored.at(-1).data.changes.leadScore).toEqual({ from: 25, to: 20 });
    expect((await apiJson(`/~${tenant}/contacts/${captured.body['$id']}`)).body['leadScore']).toBe(20);
  });
});
