// Live subscribers are a bounded resource: a tenant holds at most STREAM_MAX_SUBSCRIBERS of them (8 in these
// tests, vitest.config.ts; 1,000 by default), and a WebSocket that never subscribes is closed after
// STREAM_SUBSCRIBE_TIMEOUT_MS (1.5 s here; 30 s by default).
import { describe, expect, it } from 'vitest';
import { aContact, created } from './builders';
import { aTenant, api } from './http';
import { openSocket, until } from './stream-helpers';

const CAP = 8;

async function subscribed(tenant: string) {
  const client = await openSocket(tenant);
  expect(client.response.status).toBe(101);
  client.socket!.send(JSON.stringify({ subscribe: { after: 0, types: [] } }));
  expect(await until(() => client.messages.some((m) => m.subscribed))).toBe(true);
  return client;
}

describe('the cap on live subscribers', () => {
  it('answers the one past the cap 503 problem+json with Retry-After, WebSocket and SSE alike, and frees a place on close', async () => {
    const tenant = aTenant('cap');
    await created(tenant, 'contacts', aContact());
    const clients: Awaited<ReturnType<typeof openSocket>>[] = [];
    for (let i = 0; i < CAP; i++) clients.push(await subscribed(tenant));

    const refused = await openSocket(tenant);
    expect(refused.response.status).toBe(503);
    expect(refused.socket).toBeUndefined();
    expect(refused.response.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.response.headers.get('retry-after')).toBe('5');
    const problem = (await refused.response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 503, detail: expect.stringContaining(`${CAP} live subscribers`) });
    const stream = await api(`/~${tenant}/events/stream?after=0`);
    expect(stream.status).toBe(503);
    expect(stream.headers.get('content-type')).toBe('application/problem+json');

    // Another tenant is not affected.
    expect((await openSocket(aTenant('cap-other'))).response.status).toBe(101);

    // Everyone below the cap still gets each new event.
    await created(tenant, 'contacts', aContact());
    expect(
      await until(() =>
        clients.every((c) => c.messages.filter((m: { seq?: number }) => m.seq !== undefined).length >= 2),
      ),
    ).toBe(true);

    clients[0]!.socket!.close(1000, 'done');
    let again = { response: new Response(null, { status: 503 }) } as Awaited<ReturnType<typeof openSocket>>;
    for (let i = 0; i < 50 && again.response.status !== 101; i++) {
      again = await openSocket(tenant);
      if (again.response.status !== 101) await new Promise((r) => setTimeout(r, 50));
    }
    expect(again.response.status).toBe(101);
    for (const c of [...clients.slice(1), again]) c.socket?.close(1000, 'done');
  });
});

describe('concurrent SSE opens waiting for the head', () => {
  it('hold their places: of 12 opened at once without after, 8 are served and 4 refused', async () => {
    const tenant = aTenant('cap-sse');
    await created(tenant, 'contacts', aContact());
    const answers = await Promise.all(Array.from({ length: CAP + 4 }, () => api(`/~${tenant}/events/stream`)));
    expect(answers.map((a) => a.status).sort()).toEqual([...Array(CAP).fill(200), ...Array(4).fill(503)]);
    for (const answer of answers) await answer.body?.cancel();
  });
});

describe('a WebSocket that never subscribes', () => {
  it('is closed with 1008 after the subscribe timeout; one that subscribed stays open', async () => {
    const tenant = aTenant('idle');
    const silent = await openSocket(tenant);
    const active = await subscribed(tenant);
    let activeClosed = false;
    void active.closed.then(() => (activeClosed = true));
    const closed = await Promise.race([
      silent.closed,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000)),
    ]);
    expect(closed, 'closed within 5 s').not.toBeNull();
    expect(closed!.code).toBe(1008);
    expect(closed!.reason).toMatch(/subscribe/);
    await created(tenant, 'contacts', aContact());
    expect(await until(() => active.messages.some((m) => m.seq !== undefined))).toBe(true);
    expect(activeClosed).toBe(false);
    active.socket!.close(1000, 'done');
  });
});
