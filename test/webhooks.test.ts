// Webhook subscriptions inside workerd: the admin routes, their checks (scope, SSRF, values), the
// deliveries a commit creates, and disabling after five days of failures. Real deliveries to a real
// HTTP server are in test/e2e/webhooks.test.ts.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { StreamHub } from '../durable-objects/stream-hub';
import { aContact, aKey, created } from './builders';
import { aTenant, api, apiJson } from './http';

// A public address literal: accepted without a DNS lookup (no network in tests; deliveries just fail).
const PUBLIC_URL = 'https://93.184.215.14/hooks/crm';

function aWebhook(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { url: PUBLIC_URL, types: ['Contact.*'], description: 'CRM to the warehouse', ...overrides };
}

async function createdWebhook(tenant: string, body = aWebhook()): Promise<Record<string, any>> {
  const answer = await apiJson(`/~${tenant}/webhooks`, { body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

function hub(tenant: string): Pick<StreamHub, 'recordAttempt'> {
  return env.STREAM_HUB.get(env.STREAM_HUB.idFromName(tenant)) as unknown as Pick<StreamHub, 'recordAttempt'>;
}

describe('webhook subscriptions', () => {
  it('creates one with 201, shows the whsec_ secret once, and lists it without', async () => {
    const tenant = aTenant('w');
    const hook = await createdWebhook(tenant);
    expect(hook).toMatchObject({
      id: expect.stringMatching(/^webhook_/),
      url: PUBLIC_URL,
      types: ['Contact.*'],
      status: 'active',
      retryDelays: [5, 300, 1800, 7200, 18000, 36000, 36000],
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/=]{40,}$/),
    });
    const list = await apiJson(`/~${tenant}/webhooks`);
    expect(list.body['data']).toHaveLength(1);
    expect(list.body['data'][0]).not.toHaveProperty('secret');
    const one = await apiJson(`/~${tenant}/webhooks/${hook['id']}`);
    expect(one.body).toMatchObject({ id: hook['id'], description: 'CRM to the warehouse' });
    expect(one.body).not.toHaveProperty('secret');
  });

  it('patches types, disables, enables and rotates the secret; deletes with 204', async () => {
    const tenant = aTenant('w');
    const hook = await createdWebhook(tenant);
    const path = `/~${tenant}/webhooks/${hook['id']}`;
    expect((await apiJson(path, { method: 'PATCH', body: { types: ['*.Created'] } })).body['types']).toEqual([
      '*.Created',
    ]);
    expect((await apiJson(path, { method: 'PATCH', body: { enabled: false } })).body).toMatchObject({
      status: 'disabled',
      disabledReason: 'disabled by request',
    });
    expect((await apiJson(path, { method: 'PATCH', body: { enabled: true } })).body).toMatchObject({
      status: 'active',
    });
    const rotated = await apiJson(path, { method: 'PATCH', body: { rotateSecret: true } });
    expect(rotated.body['secret']).toMatch(/^whsec_/);
    expect(rotated.body['secret']).not.toBe(hook['secret']);
    expect((await api(path, { method: 'DELETE' })).status).toBe(204);
    expect((await apiJson(path)).status).toBe(404);
    expect((await apiJson(`${path}/deliveries`)).status).toBe(404);
  });

  it('answers 404 to enabling an unknown webhook, also on a tenant its hub has never seen', async () => {
    const answer = await apiJson(`/~${aTenant('w')}/webhooks/webhook_01JNOSUCHHOOK000000000000`, {
      method: 'PATCH',
      body: { enabled: true },
    });
    expect(answer.status).toBe(404);
  });

  it('replays a creation and a rotation retried with the same Idempotency-Key; another body is 422', async () => {
    const tenant = aTenant('w');
    const headers = { 'idempotency-key': 'create-1' };
    const first = await apiJson(`/~${tenant}/webhooks`, { body: aWebhook(), headers });
    const again = await apiJson(`/~${tenant}/webhooks`, { body: aWebhook(), headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await apiJson(`/~${tenant}/webhooks`)).body['data']).toHaveLength(1);
    expect((await apiJson(`/~${tenant}/webhooks`, { body: aWebhook({ types: ['*'] }), headers })).status).toBe(422);
    const path = `/~${tenant}/webhooks/${first.body['id']}`;
    const rotate = { method: 'PATCH', body: { rotateSecret: true }, headers: { 'idempotency-key': 'rotate-1' } };
    const rotated = await apiJson(path, rotate);
    expect((await apiJson(path, rotate)).body['secret']).toBe(rotated.body['secret']);
  });

  it('needs the admin scope; read and write keys get 403', async () => {
    const tenant = aTenant('w');
    for (const scope of ['read', 'write']) {
      const { key } = await aKey(tenant, [scope]);
      expect((await apiJson(`/~${tenant}/webhooks`, { token: key })).status).toBe(403);
      expect((await apiJson(`/~${tenant}/webhooks`, { token: key, body: aWebhook() })).status).toBe(403);
    }
    const { key } = await aKey(tenant, ['admin']);
    expect((await apiJson(`/~${tenant}/webhooks`, { token: key, body: aWebhook() })).status).toBe(201);
    expect((await apiJson(`/~${tenant}/webhooks`, { token: null })).status).toBe(401);
  });

  it('refuses private, loopback and link-local targets, and http, with 422 (ALLOW_LOCAL_WEBHOOKS is off)', async () => {
    const tenant = aTenant('w');
    const urls = [
      'https://10.0.0.5/hook',
      'https://127.0.0.1/hook',
      'https://[::1]/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://192.168.1.20/',
      'https://172.16.0.1/',
      'https://[fd00::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://[::ffff:10.0.0.1]/',
      'https://[::127.0.0.1]/',
      'https://[2002:a00:1::]/',
      'https://0x7f.1/',
      'https://localhost/',
      'https://metadata/',
      'http://93.184.215.14/hook',
      'http://127.0.0.1:8080/hook',
      'ftp://93.184.215.14/',
    ];
    for (const url of urls) {
      const answer = await apiJson(`/~${tenant}/webhooks`, { body: aWebhook({ url }) });
      expect(answer.status, url).toBe(422);
      expect(answer.body['errors'][0]).toMatchObject({ path: '/url' });
    }
    expect((await apiJson(`/~${tenant}/webhooks`)).body['data']).toEqual([]);
  });

  it('refuses bad values with 422 and unknown fields with 400', async () => {
    const tenant = aTenant('w');
    const bad = [
      { types: [] },
      { types: ['contact'] },
      { retryDelays: [-1] },
      { retryDelays: [1.5] },
      { description: 7 },
    ];
    for (const override of bad)
      expect(
        (await apiJson(`/~${tenant}/webhooks`, { body: aWebhook(override) })).status,
        JSON.stringify(override),
      ).toBe(422);
    expect((await apiJson(`/~${tenant}/webhooks`, { body: aWebhook({ secret: 'mine' }) })).status).toBe(400);
    expect((await apiJson(`/~${tenant}/webhooks`, { body: '[1]' })).status).toBe(400);
  });
});

// The queue consumer sends each delivery once at once (its answer here is the test's 503); a retry would come
// 12 hours later, so none is still running when the file's environment is torn down.
const NO_RETRY_SOON = { retryDelays: new Array(7).fill(43_200) };

/** The hook's deliveries once the consumer has tried each of them once. */
async function triedDeliveries(tenant: string, hookId: string): Promise<Record<string, any>[]> {
  let list: Record<string, any>[] = [];
  for (let i = 0; i < 100; i++) {
    list = (await apiJson(`/~${tenant}/webhooks/${hookId}/deliveries`)).body['data'];
    if (list.length > 0 && list.every((d) => d['attempts'] >= 1)) return list;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`deliveries not tried within 5 s: ${JSON.stringify(list)}`);
}

describe('deliveries', () => {
  it('turns each committed event of a matching type into a delivery, listed with its event id', async () => {
    const tenant = aTenant('w');
    const hook = await createdWebhook(tenant, aWebhook({ types: ['Contact.Created'], ...NO_RETRY_SOON }));
    await created(tenant, 'organizations', { name: 'Acme', domain: 'acme.example' });
    await created(tenant, 'contacts', aContact());
    const events = (await apiJson(`/~${tenant}/events?types=Contact.Created`)).body['data'];
    const list = await triedDeliveries(tenant, hook['id']);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id: expect.stringMatching(/^delivery_/),
      eventId: events[0]['id'],
      seq: events[0]['seq'],
      type: 'Contact.Created',
    });
    expect(list[0]).toMatchObject({ status: 'pending', attempts: 1, lastResponseStatus: 503 });
    expect(
      (await apiJson(`/~${tenant}/webhooks/${hook['id']}/deliveries/delivery_nope/redeliver`, { method: 'POST' }))
        .status,
    ).toBe(404);
  });

  it('disables a subscription whose every try failed for 5 days, records Webhook.Disabled and says so', async () => {
    const tenant = aTenant('w');
    const hook = await createdWebhook(tenant, aWebhook(NO_RETRY_SOON));
    await created(tenant, 'contacts', aContact());
    const first = (await triedDeliveries(tenant, hook['id']))[0]!;
    const now = Date.now();
    expect(await hub(tenant).recordAttempt(first.id, 1, { at: now, responseStatus: 500, error: null })).toMatchObject({
      next: 'retry',
    });
    const verdict = await hub(tenant).recordAttempt(first.id, 1, {
      at: now + 5 * 86_400_000 + 1_000,
      responseStatus: 503,
      error: null,
    });
    expect(verdict).toEqual({ next: 'done', status: 'failed', disabled: true });
    const shown = await apiJson(`/~${tenant}/webhooks/${hook['id']}`);
    expect(shown.body).toMatchObject({ status: 'disabled', disabledReason: expect.stringMatching(/5 days/) });
    const facts = (await apiJson(`/~${tenant}/events?types=Webhook.*`)).body['data'];
    expect(facts).toEqual([
      expect.objectContaining({ type: 'Webhook.Disabled', subject: hook['id'], actor: 'system' }),
    ]);
    // The fact is chained like any other: the log still verifies, state re-folded included.
    expect((await apiJson(`/~${tenant}/audit/verify`)).body).toMatchObject({ ok: true });
    const after = (await apiJson(`/~${tenant}/webhooks/${hook['id']}/deliveries`)).body['data'];
    expect(after[0]).toMatchObject({ status: 'failed', lastResponseStatus: 503 });
  });
});
