// Event stream subscribers inside workerd: pull with type patterns and NDJSON, SSE with resume, WebSocket.
import { env, evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { aContact, aKey, anOrganization, created } from './builders';
import { aTenant, api, apiJson } from './http';
import { eventsOf, openSocket, readSse, until } from './stream-helpers';

async function aTenantWithEvents(): Promise<{ tenant: string; contact: Record<string, any> }> {
  const tenant = aTenant('s');
  await created(tenant, 'organizations', anOrganization());
  const contact = await created(tenant, 'contacts', aContact());
  expect(
    (await api(`/~${tenant}/contacts/${contact['$id']}`, { method: 'PATCH', body: { title: 'CTO' } })).status,
  ).toBe(200);
  return { tenant, contact };
}

describe('pull: GET /events', () => {
  it('filters by type patterns, comma-separated', async () => {
    const { tenant } = await aTenantWithEvents();
    const all = await apiJson(`/~${tenant}/events?after=0`);
    const types = all.body['data'].map((e: any) => e.type);
    const only = async (q: string) =>
      (await apiJson(`/~${tenant}/events?after=0&types=${encodeURIComponent(q)}`)).body['data'].map((e: any) => e.type);
    expect(await only('Contact.*')).toEqual(types.filter((t: string) => t.startsWith('Contact.')));
    expect(await only('*.Created')).toEqual(['Organization.Created', 'Contact.Created']);
    expect(await only('Organization.Created,Contact.Updated')).toEqual(['Organization.Created', 'Contact.Updated']);
    expect(await only('*')).toEqual(types);
  });

  it('refuses a malformed pattern with 400', async () => {
    const { tenant } = await aTenantWithEvents();
    for (const q of ['Contact', 'contact.created', 'Contact.Cre*', '*.*', 'A.B.C'])
      expect((await apiJson(`/~${tenant}/events?types=${encodeURIComponent(q)}`)).status, q).toBe(400);
  });

  it('streams NDJSON on Accept: application/x-ndjson, with the next cursor in a header', async () => {
    const { tenant } = await aTenantWithEvents();
    const response = await api(`/~${tenant}/events?after=0&limit=2`, { headers: { accept: 'application/x-ndjson' } });
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = new TextDecoder()
      .decode(await response.arrayBuffer())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => e.seq)).toEqual([1, 2]);
    expect(response.headers.get('x-next-after')).toBe('2');
  });
});

describe('SSE: GET /events/stream', () => {
  it('sends the backlog then live events, id = seq, event = type, data = the CloudEvent, with retry set', async () => {
    const { tenant } = await aTenantWithEvents();
    const response = await api(`/~${tenant}/events/stream?after=0`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reading = readSse(response, (frames) => eventsOf(frames).length >= 5);
    await created(tenant, 'contacts', aContact());
    const frames = await reading;
    expect(frames[0]!.retry).toBe('1000');
    const events = eventsOf(frames);
    expect(events.map((e) => e['seq'])).toEqual([1, 2, 3, 4, 5]);
    const withData = frames.filter((f) => f.data);
    for (const [i, frame] of withData.entries()) {
      expect(frame.id).toBe(String(events[i]!['seq']));
      expect(frame.event).toBe(events[i]!['type']);
      expect(events[i]).toMatchObject({ specversion: '1.0', source: expect.stringContaining(`/~${tenant}/`) });
    }
  });

  it('resumes after Last-Event-ID, which wins over ?after', async () => {
    const { tenant } = await aTenantWithEvents();
    const response = await api(`/~${tenant}/events/stream?after=0`, { headers: { 'last-event-id': '2' } });
    const frames = await readSse(response, (f) => eventsOf(f).length >= 2);
    expect(eventsOf(frames).map((e) => e['seq'])).toEqual([3, 4]);
  });

  it('without after, sends only what commits from now on', async () => {
    const { tenant } = await aTenantWithEvents();
    const response = await api(`/~${tenant}/events/stream`);
    const reading = readSse(response, (f) => eventsOf(f).length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    await created(tenant, 'organizations', anOrganization());
    expect(eventsOf(await reading).map((e) => e['type'])).toEqual(['Organization.Created']);
  });

  it('filters by type patterns', async () => {
    const { tenant } = await aTenantWithEvents();
    const response = await api(`/~${tenant}/events/stream?after=0&types=*.Created`);
    const reading = readSse(response, (f) => eventsOf(f).length >= 3);
    await created(tenant, 'contacts', aContact());
    expect(eventsOf(await reading).map((e) => e['type'])).toEqual([
      'Organization.Created',
      'Contact.Created',
      'Contact.Created',
    ]);
  });

  it('sees every event exactly once, in order, across reconnects under concurrent writes', async () => {
    const tenant = aTenant('s');
    const writes = Promise.all(
      Array.from({ length: 40 }, () => api(`/~${tenant}/organizations`, { body: anOrganization() })),
    );
    const seen: number[] = [];
    // Each connection takes a few events and drops; the next resumes from the last id it saw.
    for (let round = 0; round < 40 && seen.length < 40; round++) {
      const response = await api(`/~${tenant}/events/stream`, {
        headers: { 'last-event-id': String(seen.at(-1) ?? 0) },
      });
      const frames = await readSse(response, (f) => eventsOf(f).length >= 7, 1_000);
      seen.push(...eventsOf(frames).map((e) => e['seq']));
    }
    await writes;
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  }, 30_000);

  it('sends a heartbeat comment while nothing happens', async () => {
    const { tenant } = await aTenantWithEvents();
    // The tests' hub beats every 300 ms (STREAM_HEARTBEAT_MS); in production every 15 s.
    const frames = await readSse(
      await api(`/~${tenant}/events/stream`),
      (f) => f.some((x) => x.comment?.startsWith('heartbeat')),
      3_000,
    );
    expect(frames.some((f) => f.comment?.startsWith('heartbeat'))).toBe(true);
  });

  it('ends the stream of a revoked key; the key is refused afterwards', async () => {
    const { tenant } = await aTenantWithEvents();
    const { id, key } = await aKey(tenant, ['read']);
    const response = await api(`/~${tenant}/events/stream?after=0`, { token: key });
    const reading = readSse(response, () => false, 3_000);
    await new Promise((r) => setTimeout(r, 100));
    const revokedAt = Date.now();
    expect((await api(`/~${tenant}/keys/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(eventsOf(await reading).length).toBe(4);
    expect(Date.now() - revokedAt).toBeLessThan(2_500); // ended by the revocation, not by the read timeout
    expect((await apiJson(`/~${tenant}/events/stream`, { token: key })).status).toBe(401);
  });

  it('needs only the read scope; a bad after is 400; no credential is 401', async () => {
    const { tenant } = await aTenantWithEvents();
    const { key } = await aKey(tenant, ['read']);
    const response = await api(`/~${tenant}/events/stream?after=0`, { token: key });
    expect(response.status).toBe(200);
    expect(eventsOf(await readSse(response, (f) => eventsOf(f).length >= 4)).map((e) => e['seq'])).toEqual([
      1, 2, 3, 4,
    ]);
    expect((await apiJson(`/~${tenant}/events/stream?after=x`)).status).toBe(400);
    expect((await apiJson(`/~${tenant}/events/stream?types=nope`)).status).toBe(400);
    expect((await apiJson(`/~${tenant}/events/stream`, { token: null })).status).toBe(401);
  });
});

describe('WebSocket: GET /events/ws', () => {
  it('sends each event as one JSON message carrying its seq, after the subscription', async () => {
    const { tenant } = await aTenantWithEvents();
    const { response, socket, messages } = await openSocket(tenant);
    expect(response.status).toBe(101);
    socket!.send(JSON.stringify({ subscribe: { after: 1, types: ['Contact.*'] } }));
    await created(tenant, 'contacts', aContact());
    expect(await until(() => messages.filter((m) => m.seq).length >= 4)).toBe(true);
    expect(messages[0]).toEqual({ subscribed: { after: 1, types: ['Contact.*'] } });
    const events = messages.filter((m) => m.seq);
    expect(events.map((m) => m.type)).toEqual(
      ['Contact.Created', 'Contact.Updated', 'Contact.Scored', 'Contact.Created'].slice(0, events.length),
    );
    expect(events.map((m) => m.seq)).toEqual([...events.map((m) => m.seq)].sort((a, b) => a - b));
    socket!.close(1000, 'done');
  });

  it('serves many subscribers of one tenant, each from its own cursor', async () => {
    const { tenant } = await aTenantWithEvents();
    const clients = await Promise.all([0, 1, 2, 3].map(() => openSocket(tenant)));
    for (const [i, c] of clients.entries()) c.socket!.send(JSON.stringify({ subscribe: { after: i } }));
    await created(tenant, 'organizations', anOrganization());
    for (const [i, c] of clients.entries()) {
      expect(await until(() => c.messages.filter((m) => m.seq).length >= 5 - i)).toBe(true);
      expect(c.messages.filter((m) => m.seq).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5].slice(i));
      c.socket!.close(1000);
    }
  });

  it("keeps its sockets across the hub's hibernation, resuming each at its cursor", async () => {
    const { tenant } = await aTenantWithEvents();
    const { socket, messages } = await openSocket(tenant);
    socket!.send(JSON.stringify({ subscribe: { after: 0 } }));
    expect(await until(() => messages.filter((m) => m.seq).length >= 4)).toBe(true);
    await evictDurableObject(env.STREAM_HUB.get(env.STREAM_HUB.idFromName(tenant)));
    await created(tenant, 'organizations', anOrganization());
    await created(tenant, 'organizations', anOrganization());
    expect(await until(() => messages.filter((m) => m.seq).length >= 6)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(messages.filter((m) => m.seq).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    socket!.close(1000);
  });

  it('refuses a malformed subscription with an error message and a close', async () => {
    const { tenant } = await aTenantWithEvents();
    const { socket, messages, closed } = await openSocket(tenant);
    socket!.send(JSON.stringify({ subscribe: { after: -3 } }));
    const event = await closed;
    expect(event.code).toBe(1008);
    expect(messages[0]).toMatchObject({ error: { status: 400 } });
  });

  it('needs only the read scope, and closes cleanly when the key is revoked', async () => {
    const { tenant } = await aTenantWithEvents();
    const { id, key } = await aKey(tenant, ['read']);
    const { response, socket, messages, closed } = await openSocket(tenant, key);
    expect(response.status).toBe(101);
    socket!.send(JSON.stringify({ subscribe: { after: 0 } }));
    expect(await until(() => messages.filter((m) => m.seq).length >= 3)).toBe(true);
    expect((await api(`/~${tenant}/keys/${id}`, { method: 'DELETE' })).status).toBe(204);
    const event = await closed;
    expect(event.code).toBe(1008);
    expect(event.reason).toMatch(/revoked/);
    expect((await openSocket(tenant, key)).response.status).toBe(401);
  });

  it('answers 400 to a plain GET without Upgrade', async () => {
    const { tenant } = await aTenantWithEvents();
    expect((await apiJson(`/~${tenant}/events/ws`)).status).toBe(400);
  });
});
