// headless-crm/client through the Worker: the spec's SDK examples as written once `$` is created,
// typed errors, retries with one Idempotency-Key, and client-side after-hooks over the event pull API.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createClient, CrmError, type Client } from '../client/index.js';
import { aKey } from './builders';
import { ADMIN, aTenant } from './http';

const workerFetch = ((input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init))) as typeof fetch;
const clientOf = (tenant: string, token = ADMIN, fetch: typeof globalThis.fetch = workerFetch): Client =>
  createClient({ url: 'http://crm.test', tenant, token, fetch, pollIntervalMs: 20, maxPollIntervalMs: 50 });

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe("the spec's SDK examples", { timeout: 30_000 }, () => {
  it('find, get with includes, capture, qualify', async () => {
    const $ = clientOf(aTenant());
    const org = await $.Organization.create({ name: 'Startup', domain: 'startup.io' });
    const alice = await $.Contact.create({ name: 'Alice Chen', email: 'alice@acme.dev', stage: 'Lead', title: 'CTO', role: 'DecisionMaker', phone: '+1 555' });

    // Capture a new lead
    const bob = await $.Contact.capture({ name: 'Bob Rivera', email: 'bob@startup.io', source: 'demo-request-form', organization: org.$id });
    expect(bob.stage).toBe('Lead');

    // Execute -- qualify the contact
    await $.Contact.qualify(alice.$id);

    // Find qualified leads at enterprise organizations
    const qualified = await $.Contact.find({ stage: 'Qualified', role: 'DecisionMaker' });
    expect(qualified.map((c) => c.$id)).toEqual([alice.$id]);
    expect(qualified.next).toBeNull();

    // Get a contact with all related data
    const contact = await $.Contact.get(bob.$id, { include: ['organization', 'leads', 'activities'] });
    expect((contact['organization'] as unknown as { $id: string }).$id).toBe(org.$id);
    expect((contact['leads'] as { source: string }[]).map((l) => l.source)).toEqual(['demo-request-form']);

    const history = await $.Contact.history(alice.$id);
    expect(history.map((e) => e.type)).toEqual(expect.arrayContaining(['Contact.Created', 'Contact.Qualified']));
    expect((await $.Contact.score(alice.$id)).leadScore).toBeGreaterThanOrEqual(40);
    const found = await $.Contact.find({}, { query: 'chen' });
    expect(found.map((c) => c.name)).toEqual(['Alice Chen']);
  });

  it('runs the after-hooks of the spec as client-side hooks, once per qualify', async () => {
    const tenant = aTenant();
    const $ = clientOf(tenant);
    const seen: string[] = [];
    const qualifiedHook = $.Contact.qualified((contact, $) => {
      seen.push(contact.$id);
      return $.Deal.create({ name: `${contact.name} - Inbound`, value: 12_000, contact: contact.$id, stage: 'Prospecting' });
    });
    const churned: string[] = [];
    const updatedHook = $.Contact.updated(async (contact, $) => {
      if (contact.stage === 'Churned') {
        churned.push(contact.$id);
        await $.Campaign.create({ name: `Win-back: ${contact.name}`, type: 'Email', segment: 'churned-customers' });
      }
    });
    await Promise.all([qualifiedHook.ready, updatedHook.ready]);
    const a = await $.Contact.create({ name: 'Ann', email: 'ann@acme.dev', stage: 'Lead', title: 'CEO', role: 'DecisionMaker', phone: '1' });
    const b = await $.Contact.create({ name: 'Ben', email: 'ben@acme.dev', stage: 'Lead', title: 'CEO', role: 'DecisionMaker', phone: '2' });
    await $.Contact.qualify(a.$id);
    await $.Contact.qualify(b.$id);
    await $.Contact.update(a.$id, { stage: 'Customer' });
    await $.Contact.update(a.$id, { stage: 'Churned' });
    await until(() => seen.length >= 2 && churned.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    qualifiedHook.close();
    updatedHook.close();
    expect(seen).toEqual([a.$id, b.$id]);
    expect(churned).toEqual([a.$id]);
    const inbound = await $.Deal.find({}, { query: 'inbound' });
    // One from the server's default after-hook, one from this client-side hook.
    expect(inbound.map((d) => d.name).sort()).toEqual(['Ann - Inbound', 'Ann - Inbound', 'Ben - Inbound', 'Ben - Inbound']);
  });
});

describe('createClient', () => {
  it('throws typed errors carrying the problem', async () => {
    const $ = clientOf(aTenant());
    // @ts-expect-error -- stage is an enum of the declaration
    const refused = await $.Contact.create({ name: 'X', stage: 'Bogus' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CrmError);
    const error = refused as CrmError;
    expect(error.status).toBe(422);
    expect(error.code).toBe('invalid');
    expect(error.errors).toEqual([{ path: '/stage', message: 'must be one of Lead, Qualified, Customer, Churned, Partner' }]);
    // @ts-expect-error -- Deal declares no qualify verb
    expect($.Deal.qualify).toBeUndefined();
    const missing = await $.Contact.get('contact_01J00000000000000000000000').catch((e: CrmError) => e);
    expect((missing as CrmError).status).toBe(404);
  });

  it('retries a 503 after Retry-After with the same Idempotency-Key, so a retried write is written once', async () => {
    const tenant = aTenant();
    const keys: string[] = [];
    let failures = 1;
    const flaky = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      if (request.method === 'POST') keys.push(request.headers.get('idempotency-key') ?? '');
      const answer = await workerFetch(request);
      // The write went through, but its answer is lost: the client must not write it twice.
      if (request.method === 'POST' && failures-- > 0) return new Response(null, { status: 503, headers: { 'retry-after': '0' } });
      return answer;
    }) as typeof fetch;
    const $ = clientOf(tenant, ADMIN, flaky);
    const made = await $.Contact.create({ name: 'Once', email: 'once@acme.dev' });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect((await $.Contact.find({ email: 'once@acme.dev' })).map((c) => c.$id)).toEqual([made.$id]);
  });

  it('subscribes to events with types and resumes after the last seq', async () => {
    const tenant = aTenant();
    const { key } = await aKey(tenant, ['write']);
    const $ = clientOf(tenant, key);
    await $.Contact.create({ name: 'Before' });
    const seen: string[] = [];
    const first = $.events.subscribe({ after: 0, types: ['Contact.Created'] }, (e) => void seen.push(String(e.subject)));
    await until(() => seen.length === 1);
    first.close();
    await first.done;
    const c = await $.Contact.create({ name: 'While away' });
    await $.Deal.create({ name: 'Not a contact' });
    const resumed = $.events.subscribe({ after: first.lastSeq!, types: ['Contact.*'] }, (e) => void seen.push(String(e.subject)));
    await until(() => seen.length === 2);
    resumed.close();
    expect(seen[1]).toBe(c.$id);
    expect(seen).toHaveLength(2);
  });
});
