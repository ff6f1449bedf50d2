// The write path's answer waits for its own commit only (durable-objects/group-commit.ts): not for the
// after-hooks its event queued, which run after it as durable jobs and are never lost. The work after a
// commit is only what someone needs: a StreamHub without subscribers is not called per command, and a
// subscriber that comes later is still sent every event.
import { env, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { Organization } from '../domain/crm';
import type { TenantLog } from '../durable-objects/tenant-log';
import { aContact, created } from './builders';
import { aTenant, apiJson } from './http';
import { openSocket, until as waitFor } from './stream-helpers';

const removals: (() => void)[] = [];
afterEach(() => {
  for (const remove of removals.splice(0)) remove();
});

/** A promise the test settles by hand: the hook below waits on it. */
function aGate(): { readonly opened: Promise<void>; open(): void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function eventTypes(tenant: string): Promise<string[]> {
  return (await apiJson(`/~${tenant}/events?limit=1000`)).body['data'].map((e: { type: string }) => e.type);
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let tries = 0; ; tries++) {
    const value = await read();
    if (done(value) || tries === 100) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a write whose after-hook is slow', () => {
  it('is answered before the hook finishes; the hook then appends its event once', async () => {
    const gate = aGate();
    removals.push(
      Organization.created(async (org, $) => {
        await gate.opened;
        $.Campaign.create({ name: `Welcome ${org.name}`, type: 'Email' });
      }, 'test:slow-welcome'),
    );
    const tenant = aTenant();
    const answered = apiJson(`/~${tenant}/organizations`, { body: { name: 'Globex' } });
    const timeout = new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), 3_000));
    const first = await Promise.race([answered, timeout]);
    expect(first).not.toBe('timed out');
    expect((first as Awaited<typeof answered>).status).toBe(201);
    expect(await eventTypes(tenant)).toEqual(['Organization.Created']);
    expect((await apiJson(`/~${tenant}/hooks`)).body).toMatchObject({ pending: 1 });

    gate.open();
    const types = await until(
      () => eventTypes(tenant),
      (t) => t.length > 1,
    );
    expect(types).toEqual(['Organization.Created', 'Campaign.Created']);
    expect((await apiJson(`/~${tenant}/hooks`)).body).toMatchObject({ pending: 0, done: 1 });
  });
});

describe('a log whose StreamHub has no subscriber', () => {
  it('stops nudging it, and a WebSocket subscriber that comes later still gets each new event live', async () => {
    const tenant = aTenant();
    const first = await created(tenant, 'contacts', aContact());
    // The hub answered the nudge of that create: nobody listens, so the log stops calling it.
    const quiet = await until(
      () => runInDurableObject(logStub(tenant), (log: TenantLog) => Reflect.get(notice(log), 'quiet') as boolean),
      (q) => q,
    );
    expect(quiet).toBe(true);
    const { response, socket, messages } = await openSocket(tenant);
    expect(response.status).toBe(101);
    socket!.send(JSON.stringify({ subscribe: { types: ['Contact.Created'] } })); // live only
    expect(await waitFor(() => messages.length >= 1)).toBe(true);
    const second = await created(tenant, 'contacts', aContact());
    const third = await created(tenant, 'contacts', aContact());
    // WebSockets have no heartbeat: only a nudge brings these.
    expect(await waitFor(() => messages.filter((m) => m.seq).length >= 2, 3_000)).toBe(true);
    expect(messages.filter((m) => m.seq).map((m) => m.subject)).toEqual([second['$id'], third['$id']]);
    expect(messages.some((m) => m.subject === first['$id'])).toBe(false);
    socket!.close(1000, 'done');
  });
});

const logStub = (tenant: string) => env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant));
const notice = (log: TenantLog) => (Reflect.get(log, 'parts') as { streams: object }).streams;
