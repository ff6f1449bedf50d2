// headless-crm/client through the Worker: the spec's SDK examples as written once `$` is created,
// typed errors, retries with one Idempotency-Key, and client-side after-hooks over the SSE stream (polling as
// the fallback): exactly once and in seq order across a stream cut mid-frame, type filters, a clean close.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createClient, CrmError, type Client } from '../client/index.js';
import { aKey } from './builders';
import { ADMIN, aTenant } from './http';

const workerFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
  exports.default.fetch(new Request(input, init))) as typeof fetch;
const clientOf = (tenant: string, token = ADMIN, fetch: typeof globalThis.fetch = workerFetch): Client =>
  createClient({ url: 'http://crm.test', tenant, token, fetch, pollIntervalMs: 20, maxPollIntervalMs: 50 });

/** All events of a tenant in seq order, read through the pull API. */
async function theLog(tenant: string): Promise<{ seq: number; type: string; subject: string }[]> {
  const answer = await workerFetch(`http://crm.test/~${tenant}/events?after=0&limit=1000`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  return ((await answer.json()) as { data: { seq: number; type: string; subject: string }[] }).data;
}

interface Tap {
  readonly fetch: typeof fetch;
  /** The stream requests: their query and Last-Event-ID. */
  readonly streams: { after: string | null; types: string | null; lastEventId: string | null }[];
  /** Paths and queries of every other request. */
  readonly others: string[];
  cancelled: number;
}

/**
 * The Worker's fetch, watched: the first `cuts` stream connections break off in the middle of a frame (the
 * `id:` line of their `cutAt`th event arrives, the rest never does) as a dropped connection would;
 * `streamStatus` answers the stream route with that status instead.
 */
function tapped(options: { cuts?: number; cutAt?: number; streamStatus?: number } = {}): Tap {
  const tap: Tap = {
    streams: [],
    others: [],
    cancelled: 0,
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      if (!url.pathname.endsWith('/events/stream')) {
        tap.others.push(url.pathname + url.search);
        return workerFetch(request);
      }
      const { searchParams } = url;
      const lastEventId = request.headers.get('last-event-id');
      tap.streams.push({ after: searchParams.get('after'), types: searchParams.get('types'), lastEventId });
      const problem = { 'content-type': 'application/problem+json' };
      if (options.streamStatus) return new Response('{}', { status: options.streamStatus, headers: problem });
      const response = await workerFetch(request);
      const cut = tap.streams.length <= (options.cuts ?? 0);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      const encoder = new TextEncoder();
      let text = '';
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const read = await reader.read();
          if (read.done) return controller.close();
          if (!cut) return controller.enqueue(read.value);
          text += decoder.decode(read.value, { stream: true });
          const at = [...text.matchAll(/^id: /gm)][(options.cutAt ?? 3) - 1];
          if (!at) {
            controller.enqueue(encoder.encode(text.slice(sent)));
            sent = text.length;
            return;
          }
          // Half a frame, then the connection drops.
          controller.enqueue(encoder.encode(text.slice(sent, at.index + 8)));
          await reader.cancel();
          controller.error(new TypeError('network connection lost'));
        },
        cancel(reason) {
          tap.cancelled++;
          return reader.cancel(reason);
        },
      });
      return new Response(body, response);
    }) as typeof fetch,
  };
  return tap;
}

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe("the spec's SDK examples", { timeout: 30_000 }, () => {
  it('find, get with includes, capture, qualify', async () => {
    const $ = clientOf(aTenant());
    const org = await $.Organization.create({ name: 'Startup', domain: 'startup.io' });
    const alice = await $.Contact.create({
      name: 'Alice Chen',
      email: 'alice@acme.dev',
      stage: 'Lead',
      title: 'CTO',
      role: 'DecisionMaker',
      phone: '+1 555',
    });

    // Capture a new lead
    const bob = await $.Contact.capture({
      name: 'Bob Rivera',
      email: 'bob@startup.io',
      source: 'demo-request-form',
      organization: org.$id,
    });
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
      return $.Deal.create({
        name: `${contact.name} - Inbound`,
        value: 12_000,
        contact: contact.$id,
        stage: 'Prospecting',
      });
    });
    const churned: string[] = [];
    const updatedHook = $.Contact.updated(async (contact, $) => {
      if (contact.stage === 'Churned') {
        churned.push(contact.$id);
        await $.Campaign.create({ name: `Win-back: ${contact.name}`, type: 'Email', segment: 'churned-customers' });
      }
    });
    await Promise.all([qualifiedHook.ready, updatedHook.ready]);
    const a = await $.Contact.create({
      name: 'Ann',
      email: 'ann@acme.dev',
      stage: 'Lead',
      title: 'CEO',
      role: 'DecisionMaker',
      phone: '1',
    });
    const b = await $.Contact.create({
      name: 'Ben',
      email: 'ben@acme.dev',
      stage: 'Lead',
      title: 'CEO',
      role: 'DecisionMaker',
      phone: '2',
    });
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
    expect(inbound.map((d) => d.name).sort()).toEqual([
      'Ann - Inbound',
      'Ann - Inbound',
      'Ben - Inbound',
      'Ben - Inbound',
    ]);
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
    expect(error.errors).toEqual([
      { path: '/stage', message: 'must be one of Lead, Qualified, Customer, Churned, Partner' },
    ]);
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
      if (request.method === 'POST' && failures-- > 0)
        return new Response(null, { status: 503, headers: { 'retry-after': '0' } });
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
    const first = $.events.subscribe(
      { after: 0, types: ['Contact.Created'] },
      (e) => void seen.push(String(e.subject)),
    );
    await until(() => seen.length === 1);
    first.close();
    await first.done;
    const c = await $.Contact.create({ name: 'While away' });
    await $.Deal.create({ name: 'Not a contact' });
    const resumed = $.events.subscribe(
      { after: first.lastSeq!, types: ['Contact.*'] },
      (e) => void seen.push(String(e.subject)),
    );
    await until(() => seen.length === 2);
    resumed.close();
    expect(seen[1]).toBe(c.$id);
    expect(seen).toHaveLength(2);
  });
});

describe('subscriptions over SSE', { timeout: 30_000 }, () => {
  const sseClient = (tenant: string, tap: Tap, extra: Record<string, unknown> = {}): Client =>
    createClient({ url: 'http://crm.test', tenant, token: ADMIN, fetch: tap.fetch, streamRetryMs: 20, ...extra });

  it('sees every event once, in seq order, across connections cut mid-frame under concurrent writes', async () => {
    const tenant = aTenant();
    const tap = tapped({ cuts: 2, cutAt: 4 });
    const $ = sseClient(tenant, tap);
    await $.Contact.create({ name: 'Before' });
    const seen: number[] = [];
    const errors: unknown[] = [];
    const sub = $.events.subscribe({ after: 0, onError: (e) => void errors.push(e) }, (e) => void seen.push(e.seq));
    const writes = Array.from({ length: 24 }, (_, i) => $.Contact.create({ name: `Concurrent ${i}` }));
    await Promise.all(writes);
    const log = await theLog(tenant);
    await until(() => seen.length >= log.length);
    await new Promise((r) => setTimeout(r, 200));
    sub.close();
    await sub.done;
    expect(sub.transport).toBe('sse');
    expect(seen).toEqual(log.map((e) => e.seq));
    expect(sub.lastSeq).toBe(log.at(-1)!.seq);
    // Two cuts, each a lost connection told to onError, each resumed with Last-Event-ID of the last whole event.
    expect(tap.streams.length).toBeGreaterThanOrEqual(3);
    expect(errors).toHaveLength(2);
    expect(tap.streams[0]).toEqual({ after: '0', types: null, lastEventId: null });
    expect(tap.streams[1]!.lastEventId).toBe(String(log[2]!.seq));
    expect(Number(tap.streams[2]!.lastEventId)).toBeGreaterThan(log[2]!.seq);
    // Nothing was polled: the only pull is none at all (after: 0 needs no head).
    expect(tap.others.filter((p) => p.includes('/events'))).toEqual([]);
  });

  it('filters types on the server (Noun.*, *.Verb) and resumes after lastSeq', async () => {
    const tenant = aTenant();
    const tap = tapped();
    const $ = sseClient(tenant, tap);
    const lead = { stage: 'Lead', title: 'CEO', role: 'DecisionMaker', phone: '1' } as const;
    const alice = await $.Contact.create({ name: 'Alice', email: 'alice@acme.dev', ...lead });
    await $.Deal.create({ name: 'Big one' });
    await $.Contact.qualify(alice.$id);
    // The server's own after-hooks add a Deal and an Activity on qualify: the log says what to expect.
    const expected = (await theLog(tenant)).filter((e) => e.type.endsWith('.Created')).map((e) => e.type);
    expect(expected.slice(0, 2)).toEqual(['Contact.Created', 'Deal.Created']);
    const created: string[] = [];
    const sub = $.events.subscribe({ after: 0, types: ['*.Created'] }, (e) => void created.push(e.type));
    await until(() => created.length >= expected.length);
    await new Promise((r) => setTimeout(r, 150));
    sub.close();
    await sub.done;
    expect(created).toEqual(expected);
    expect(tap.streams[0]!.types).toBe('*.Created');
    const contactOnly: string[] = [];
    const resumed = $.events.subscribe({ after: 0, types: ['Contact.*'] }, (e) => void contactOnly.push(e.type));
    await until(() => contactOnly.includes('Contact.Qualified'));
    resumed.close();
    expect(contactOnly.filter((t) => !t.startsWith('Contact.'))).toEqual([]);
    expect(contactOnly).toEqual(expect.arrayContaining(['Contact.Created', 'Contact.Qualified']));
  });

  it('fires qualified(handler) once per qualify, over the stream, across a cut', async () => {
    const tenant = aTenant();
    const tap = tapped({ cuts: 1, cutAt: 1 });
    const $ = sseClient(tenant, tap);
    const fired: string[] = [];
    const hook = $.Contact.qualified((contact) => void fired.push(contact.$id), { onError: () => undefined });
    await hook.ready;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const lead = { stage: 'Lead', title: 'CEO', role: 'DecisionMaker', phone: '1' } as const;
      const c = await $.Contact.create({ name: `Lead ${i}`, email: `lead${i}@acme.dev`, ...lead });
      await $.Contact.qualify(c.$id);
      ids.push(c.$id);
    }
    await until(() => fired.length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    hook.close();
    await hook.done;
    expect(hook.transport).toBe('sse');
    expect(fired).toEqual(ids);
    expect(tap.streams[0]!.types).toBe('Contact.Qualified');
    expect(tap.streams.length).toBeGreaterThanOrEqual(2);
  });

  it('aborts the stream on close', async () => {
    const tap = tapped();
    const $ = sseClient(aTenant(), tap);
    const sub = $.events.subscribe({}, () => undefined);
    await until(() => tap.streams.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    sub.close();
    await sub.done;
    expect(tap.cancelled).toBe(1);
    expect(tap.streams).toHaveLength(1);
  });

  it("polls when the stream route answers 404 or 405, or when asked to with transport: 'poll'", async () => {
    const ways: [{ streamStatus?: number }, Record<string, unknown>][] = [
      [{ streamStatus: 404 }, {}],
      [{ streamStatus: 405 }, {}],
      [{}, { transport: 'poll' }],
    ];
    for (const [options, extra] of ways) {
      const tenant = aTenant();
      const tap = tapped(options);
      const $ = sseClient(tenant, tap, { ...extra, pollIntervalMs: 20, maxPollIntervalMs: 50 });
      const seen: string[] = [];
      const sub = $.events.subscribe({ types: ['Contact.Created'] }, (e) => void seen.push(e.subject));
      await sub.ready;
      const c = await $.Contact.create({ name: 'Polled' });
      await until(() => seen.length === 1);
      sub.close();
      await sub.done;
      expect(sub.transport, JSON.stringify(options)).toBe('poll');
      expect(seen).toEqual([c.$id]);
      expect(tap.streams.length, JSON.stringify(options)).toBe(options.streamStatus ? 1 : 0);
      expect(tap.others.some((p) => p.startsWith(`/~${tenant}/events?after=`))).toBe(true);
    }
  });

  it('ends a subscription the server refuses for good, telling onError', async () => {
    const tenant = aTenant();
    const errors: unknown[] = [];
    const tap = tapped();
    const $ = sseClient(tenant, tap);
    const onError = (e: unknown) => void errors.push(e);
    const sub = $.events.subscribe({ after: 0, types: ['not a pattern'], onError }, () => undefined);
    await sub.done;
    expect(errors).toHaveLength(1);
    expect((errors[0] as CrmError).status).toBe(400);
    expect(tap.streams).toHaveLength(1);
  });
});
