// End to end: webhooks delivered by `wrangler dev` (through its local crm-webhooks queue) to a local
// HTTP server, each verified with the standardwebhooks package and parsed with the cloudevents SDK.
import { type CloudEvent, HTTP } from 'cloudevents';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aContact, aTenant, call, waitFor } from './client';
import { startWranglerDev, type WranglerDev } from './wrangler-dev';

interface Hit {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly answered: number;
}

let server: WranglerDev;
let target: Server;
let targetUrl: string;
const hits: Hit[] = [];
/** How each path answers, in turn; the last answer repeats. */
const script = new Map<string, number[]>();

beforeAll(async () => {
  target = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      // '/silent' never answers: the delivery times out.
      if (path === '/silent') return void hits.push({ path, headers: request.headers, body, answered: 0 });
      const answers = script.get(path) ?? [204];
      const answered = answers.length > 1 ? answers.shift()! : answers[0]!;
      hits.push({ path, headers: request.headers, body, answered });
      response.writeHead(answered).end();
    });
  });
  await new Promise<void>((done) => target.listen(0, '127.0.0.1', done));
  targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}`;
  // Targets get 1.5 s to answer here (10 s by default), so the timeout is tested without a long wait.
  server = await startWranglerDev({ vars: { ALLOW_LOCAL_WEBHOOKS: 'true', WEBHOOK_TIMEOUT_MS: '1500' } });
});
afterAll(async () => {
  await server?.stop();
  target?.closeAllConnections();
  await new Promise((done) => target?.close(done));
});

const headersOf = (hit: Hit) => Object.fromEntries(Object.entries(hit.headers).map(([k, v]) => [k, String(v)]));
const hitsOn = (path: string) => hits.filter((h) => h.path === path);

async function aSubscription(tenant: string, path: string, extra: Record<string, unknown> = {}) {
  const answer = await call(server.url, `/~${tenant}/webhooks`, {
    body: { url: `${targetUrl}${path}`, types: ['Contact.Created'], retryDelays: [1, 1], ...extra },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body as { id: string; secret: string };
}

describe('webhook deliveries', () => {
  it('retries a target that fails twice, delivers on the third try, lists three attempts, signed', async () => {
    const tenant = aTenant('wh');
    script.set('/flaky', [500, 503, 200]);
    const hook = await aSubscription(tenant, '/flaky');
    const contact = await call(server.url, `/~${tenant}/contacts`, { body: aContact() });
    await waitFor(() => hitsOn('/flaky').length >= 3, 20_000, 'three attempts');
    const [first, , third] = hitsOn('/flaky');
    const event = (await call(server.url, `/~${tenant}/events?types=Contact.Created`)).body.data[0];
    for (const hit of hitsOn('/flaky')) {
      expect(hit.headers['webhook-id']).toBe(event.id);
      expect(new Webhook(hook.secret).verify(hit.body, headersOf(hit))).toMatchObject({
        id: event.id,
        subject: contact.body.$id,
      });
    }
    expect(first!.body).toBe(third!.body);
    const parsed = HTTP.toEvent({ headers: headersOf(third!), body: third!.body }) as CloudEvent<
      Record<string, unknown>
    >;
    expect(parsed).toMatchObject({
      type: 'Contact.Created',
      subject: contact.body.$id,
      source: `/~${tenant}/contacts/${contact.body.$id}`,
    });
    let deliveries: any[] = [];
    for (let i = 0; i < 40 && deliveries[0]?.status !== 'delivered'; i++) {
      deliveries = (await call(server.url, `/~${tenant}/webhooks/${hook.id}/deliveries`)).body.data;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(deliveries).toEqual([
      expect.objectContaining({
        eventId: event.id,
        status: 'delivered',
        attempts: 3,
        lastResponseStatus: 200,
        nextTryAt: null,
      }),
    ]);
  });

  it('signs so that another secret does not verify, and a rotated secret signs the next delivery', async () => {
    const tenant = aTenant('wh');
    const hook = await aSubscription(tenant, '/rotating');
    const other = (await aSubscription(aTenant('wh'), '/elsewhere')).secret;
    await call(server.url, `/~${tenant}/contacts`, { body: aContact() });
    await waitFor(() => hitsOn('/rotating').length >= 1, 10_000, 'a delivery');
    const firstHit = hitsOn('/rotating')[0]!;
    expect(() => new Webhook(other).verify(firstHit.body, headersOf(firstHit))).toThrow();
    expect(new Webhook(hook.secret).verify(firstHit.body, headersOf(firstHit))).toBeTruthy();
    const rotated = await call(server.url, `/~${tenant}/webhooks/${hook.id}`, {
      method: 'PATCH',
      body: { rotateSecret: true },
    });
    expect(rotated.status).toBe(200);
    await call(server.url, `/~${tenant}/contacts`, { body: aContact() });
    await waitFor(() => hitsOn('/rotating').length >= 2, 10_000, 'a second delivery');
    const secondHit = hitsOn('/rotating')[1]!;
    expect(new Webhook(rotated.body.secret).verify(secondHit.body, headersOf(secondHit))).toBeTruthy();
    expect(() => new Webhook(hook.secret).verify(secondHit.body, headersOf(secondHit))).toThrow();
  });

  it('redelivers a delivery on request, and sends only the subscribed types', async () => {
    const tenant = aTenant('wh');
    const hook = await aSubscription(tenant, '/again');
    await call(server.url, `/~${tenant}/organizations`, { body: { name: 'Acme' } });
    await call(server.url, `/~${tenant}/contacts`, { body: aContact() });
    await waitFor(() => hitsOn('/again').length >= 1, 10_000, 'a delivery');
    let [delivery] = (await call(server.url, `/~${tenant}/webhooks/${hook.id}/deliveries`)).body.data;
    for (let i = 0; i < 40 && delivery.status !== 'delivered'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      [delivery] = (await call(server.url, `/~${tenant}/webhooks/${hook.id}/deliveries`)).body.data;
    }
    const again = await call(server.url, `/~${tenant}/webhooks/${hook.id}/deliveries/${delivery.id}/redeliver`, {
      method: 'POST',
    });
    expect(again.status).toBe(202);
    await waitFor(() => hitsOn('/again').length >= 2, 10_000, 'the redelivery');
    const [a, b] = hitsOn('/again');
    expect(b!.headers['webhook-id']).toBe(a!.headers['webhook-id']);
    expect(hitsOn('/again').map((h) => JSON.parse(h.body).type)).toEqual(['Contact.Created', 'Contact.Created']);
  });

  it('counts a target that does not answer in time as a failed try, and retries it', async () => {
    const tenant = aTenant('wh');
    const hook = await aSubscription(tenant, '/silent', { retryDelays: [1] });
    await call(server.url, `/~${tenant}/contacts`, { body: aContact() });
    await waitFor(() => hitsOn('/silent').length >= 2, 15_000, 'two tries');
    let delivery: any;
    for (let i = 0; i < 60 && delivery?.status !== 'failed'; i++) {
      [delivery] = (await call(server.url, `/~${tenant}/webhooks/${hook.id}/deliveries`)).body.data;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(delivery).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastResponseStatus: null,
      lastError: 'no answer within 1.5 s',
    });
  });
});
