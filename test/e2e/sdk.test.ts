// headless-crm/client against `wrangler dev`, imported by its package name: the spec's SDK examples as
// written once `$` is created, `qualified(handler)` firing once per qualify over the SSE stream, and a
// subscription that sees every event once, in seq order, across a connection cut mid-frame. Every answer
// the SDK receives is checked against the response schema of the served OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, CrmError, type Client } from 'headless-crm/client';
import { openApiChecker } from './openapi-check';
import { E2E_ADMIN_TOKEN, startWranglerDev } from './wrangler-dev';

let server: Awaited<ReturnType<typeof startWranglerDev>>;
let checker: ReturnType<typeof openApiChecker>;
beforeAll(async () => {
  server = await startWranglerDev();
  checker = openApiChecker(await (await fetch(`${server.url}/openapi.json`)).json());
});
afterAll(async () => server?.stop());

let n = 0;
const clientOf = (): Client =>
  createClient({
    url: server.url,
    tenant: `sdk-${Date.now().toString(36)}-${++n}`,
    token: E2E_ADMIN_TOKEN,
    fetch: checker.wrap(fetch),
    pollIntervalMs: 50,
    maxPollIntervalMs: 200,
  });

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe('the SDK against wrangler dev', () => {
  it("runs the spec's SDK examples as written", async () => {
    const $ = clientOf();
    const org = await $.Organization.create({ name: 'Startup Inc', domain: 'startup.io' });
    const lead = await $.Contact.create({
      name: 'Alice Chen',
      email: 'alice@acme.dev',
      stage: 'Lead',
      title: 'VP Engineering',
      role: 'DecisionMaker',
      phone: '1',
    });

    // BEFORE hook: the server's default (email required, leadScore ≥ 40); AFTER hook: client-side.
    const followUps: string[] = [];
    const hook = $.Contact.qualified((contact, $) => {
      followUps.push(contact.$id);
      return $.Activity.create({
        subject: `Follow up with ${contact.name}`,
        type: 'Task',
        contact: contact.$id,
        status: 'Pending',
        priority: 'High',
      });
    });
    await hook.ready;

    // Execute -- qualify the contact
    await $.Contact.qualify(lead.$id);

    // Find qualified leads at enterprise organizations
    const qualified = await $.Contact.find({ stage: 'Qualified', role: 'DecisionMaker' });
    expect(qualified.map((c) => c.$id)).toEqual([lead.$id]);

    // Capture a new lead
    const bob = await $.Contact.capture({
      name: 'Bob Rivera',
      email: 'bob@startup.io',
      source: 'demo-request-form',
      organization: org.$id,
    });

    // Get a contact with all related data
    const contact = await $.Contact.get(bob.$id, { include: ['organization', 'leads', 'activities'] });
    expect((contact['organization'] as unknown as { name: string }).name).toBe('Startup Inc');
    expect(contact['leads']).toHaveLength(1);

    await until(() => followUps.length >= 1);
    await new Promise((r) => setTimeout(r, 500));
    hook.close();
    expect(followUps).toEqual([lead.$id]);
    const activities = await $.Activity.find({ contact: lead.$id }, { sort: { subject: 'asc' } });
    // The server's default hook and this client-side one each added a follow-up.
    expect(activities.map((a) => a.subject)).toEqual(['Follow up with Alice Chen', 'Follow up with Alice Chen']);
  });

  it('fires qualified(handler) once per qualify', async () => {
    const $ = clientOf();
    const fired: string[] = [];
    const hook = $.Contact.qualified((contact) => void fired.push(contact.$id));
    await hook.ready;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await $.Contact.create({
        name: `Lead ${i}`,
        email: `lead${i}@acme.dev`,
        stage: 'Lead',
        title: 'CEO',
        role: 'DecisionMaker',
        phone: '1',
      });
      await $.Contact.qualify(c.$id);
      ids.push(c.$id);
    }
    await until(() => fired.length >= 3);
    await new Promise((r) => setTimeout(r, 500));
    hook.close();
    await hook.done;
    expect(hook.transport).toBe('sse');
    expect(fired).toEqual(ids);
  });

  it('sees every event once, in seq order, across a connection cut mid-frame under concurrent writes', async () => {
    const tenant = `sdk-cut-${Date.now().toString(36)}`;
    const lastEventIds: (string | null)[] = [];
    // Node's fetch, with the first stream connection broken off halfway through its sixth event.
    const cutting = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const response = await fetch(request);
      if (!request.url.includes('/events/stream')) return response;
      lastEventIds.push(request.headers.get('last-event-id'));
      if (lastEventIds.length > 1) return response;
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const read = await reader.read();
          if (read.done) return controller.close();
          text += decoder.decode(read.value, { stream: true });
          const at = [...text.matchAll(/^id: /gm)][5];
          controller.enqueue(new TextEncoder().encode(text.slice(sent, at ? at.index + 10 : text.length)));
          sent = text.length;
          if (!at) return;
          await reader.cancel();
          controller.error(new TypeError('terminated'));
        },
        cancel: (reason) => reader.cancel(reason),
      });
      return new Response(body, response);
    }) as typeof fetch;
    const $ = createClient({ url: server.url, tenant, token: E2E_ADMIN_TOKEN, fetch: checker.wrap(cutting) });
    const seen: number[] = [];
    const errors: unknown[] = [];
    const sub = $.events.subscribe({ after: 0, onError: (e) => void errors.push(e) }, (e) => void seen.push(e.seq));
    const create = (i: number) => $.Contact.create({ name: `Concurrent ${i}`, email: `c${i}@acme.dev` });
    const creates = Array.from({ length: 40 }, (_, i) => create(i));
    await Promise.all(creates);
    const pulled = await fetch(`${server.url}/~${tenant}/events?after=0&limit=1000`, {
      headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}` },
    });
    const log = ((await pulled.json()) as { data: { seq: number }[] }).data;
    await until(() => seen.length >= log.length);
    await new Promise((r) => setTimeout(r, 300));
    sub.close();
    await sub.done;
    expect(sub.transport).toBe('sse');
    expect(seen).toEqual(log.map((e) => e.seq));
    expect(errors).toHaveLength(1);
    expect(lastEventIds.slice(0, 2)).toEqual([null, '5']);
  });

  it('throws a typed error carrying the problem', async () => {
    const $ = clientOf();
    const c = await $.Contact.create({ name: 'No email', stage: 'Lead' });
    const error = await $.Contact.qualify(c.$id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmError);
    expect((error as CrmError).status).toBe(422);
    expect((error as CrmError).problem.detail).toMatch(/Email required for qualification/);
  });

  it('received only answers that match the OpenAPI document', () => {
    expect(checker.seen.filter((s) => s.validated).length).toBeGreaterThan(20);
    expect(new Set(checker.seen.map((s) => s.status))).toEqual(new Set([200, 201, 422]));
    expect(checker.seen.filter((s) => s.errors)).toEqual([]);
  });
});
