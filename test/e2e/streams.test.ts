// End to end: `wrangler dev` driven by real clients. A real EventSource (the eventsource package) that
// is cut off in the middle of concurrent writes and resumes by itself; Node's own WebSocket; every
// event parsed by the cloudevents SDK.
import { CloudEvent } from 'cloudevents';
import { EventSource, type FetchLike } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTenant, call, createMany, head, waitFor } from './client';
import { E2E_ADMIN_TOKEN, startWranglerDev, type WranglerDev } from './wrangler-dev';

let server: WranglerDev;
beforeAll(async () => {
  server = await startWranglerDev();
});
afterAll(async () => {
  await server?.stop();
});

interface Received {
  readonly seqs: number[];
  readonly types: string[];
  readonly requests: Headers[];
  readonly source: EventSource;
}

/**
 * An EventSource on the tenant's stream. Its first connection is cut after `cutAfter` events, so
 * the client reconnects on its own with Last-Event-ID.
 */
function subscribe(tenant: string, query: string, cutAfter: number, token = E2E_ADMIN_TOKEN): Received {
  const seen: Received = { seqs: [], types: [], requests: [], source: undefined as unknown as EventSource };
  const cutting: FetchLike = async (url, init) => {
    const headers = new Headers({ ...init.headers, authorization: `Bearer ${token}` });
    seen.requests.push(headers);
    const response = await fetch(url, { ...init, headers });
    if (seen.requests.length > 1 || !response.body) return response;
    let ids = 0;
    const cut = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          controller.enqueue(chunk);
          ids += (new TextDecoder().decode(chunk).match(/^id: /gm) ?? []).length;
          if (ids >= cutAfter) controller.terminate();
        },
      }),
    );
    return new Response(cut, { status: response.status, headers: response.headers });
  };
  const source = new EventSource(`${server.url}/~${tenant}/events/stream${query}`, { fetch: cutting });
  source.onmessage = () => {};
  const onEvent = (event: MessageEvent) => {
    const parsed = new CloudEvent(JSON.parse(event.data), true);
    seen.seqs.push(Number(parsed['seq']));
    seen.types.push(parsed.type);
    expect(event.lastEventId).toBe(String(parsed['seq']));
  };
  for (const type of ['Organization.Created', 'Contact.Created', 'Contact.Updated', 'Contact.Scored'])
    source.addEventListener(type, onEvent);
  return Object.assign(seen, { source });
}

describe('SSE with a real EventSource', () => {
  it('sees every event exactly once, in seq order, across a reconnect in the middle of concurrent writes', async () => {
    const tenant = aTenant();
    await createMany(server.url, tenant, 5);
    const received = subscribe(tenant, '?after=0', 20);
    await createMany(server.url, tenant, 120, 8);
    const last = await head(server.url, tenant);
    await waitFor(() => received.seqs.length >= last, 20_000, `${last} events`);
    received.source.close();
    expect(received.requests.length).toBeGreaterThanOrEqual(2);
    expect(Number(received.requests[1]!.get('last-event-id'))).toBeGreaterThanOrEqual(20); // resumed after the cut
    expect(received.seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  });

  it('filters by type pattern and needs only the read scope', async () => {
    const tenant = aTenant();
    const key = (await call(server.url, `/~${tenant}/keys`, { body: { name: 'reader', scopes: ['read'] } })).body
      .key as string;
    const received = subscribe(tenant, '?after=0&types=Contact.Created', 1_000, key);
    await createMany(server.url, tenant, 3);
    for (let i = 0; i < 3; i++)
      expect((await call(server.url, `/~${tenant}/contacts`, { body: { name: `Ann ${i}` } })).status).toBe(201);
    await waitFor(() => received.types.length >= 3, 10_000, 'three contacts');
    await new Promise((r) => setTimeout(r, 300));
    received.source.close();
    expect(received.types).toEqual(['Contact.Created', 'Contact.Created', 'Contact.Created']);
  });
});

describe("WebSocket with Node's own client", () => {
  function open(tenant: string, token = E2E_ADMIN_TOKEN) {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/~${tenant}/events/ws`, {
      headers: { authorization: `Bearer ${token}` },
    } as never);
    const messages: any[] = [];
    socket.addEventListener('message', (event) => {
      messages.push(JSON.parse(String(event.data)));
    });
    const opened = new Promise<void>((done, fail) => {
      socket.addEventListener('open', () => done());
      socket.addEventListener('error', () => fail(new Error('the socket did not open')));
    });
    const closed = new Promise<CloseEvent>((done) => socket.addEventListener('close', done));
    return { socket, messages, opened, closed, events: () => messages.filter((m) => m.specversion) };
  }

  it('streams every event once, in order, to several subscribers under concurrent writes, by type', async () => {
    const tenant = aTenant();
    await createMany(server.url, tenant, 10);
    const all = open(tenant);
    const created = open(tenant);
    await Promise.all([all.opened, created.opened]);
    all.socket.send(JSON.stringify({ subscribe: { after: 0 } }));
    created.socket.send(JSON.stringify({ subscribe: { after: 5, types: ['*.Created'] } }));
    await createMany(server.url, tenant, 60, 8);
    const last = await head(server.url, tenant);
    await waitFor(() => all.events().length >= last && created.events().length >= last - 5, 15_000, 'both sockets');
    for (const event of all.events()) new CloudEvent(event, true);
    expect(all.events().map((e) => e.seq)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(created.events().map((e) => e.seq)).toEqual(Array.from({ length: last - 5 }, (_, i) => i + 6));
    all.socket.close(1000);
    created.socket.close(1000);
  });

  it('works with a read key and is closed cleanly when the key is revoked', async () => {
    const tenant = aTenant();
    const key = (await call(server.url, `/~${tenant}/keys`, { body: { name: 'reader', scopes: ['read'] } })).body;
    const client = open(tenant, key.key);
    await client.opened;
    client.socket.send(JSON.stringify({ subscribe: { after: 0 } }));
    await createMany(server.url, tenant, 2);
    await waitFor(() => client.events().length >= 2, 10_000, 'two events');
    expect((await call(server.url, `/~${tenant}/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/revoked/);
  });
});
