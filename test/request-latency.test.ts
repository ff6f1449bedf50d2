// The write path's answer waits for its own commit only (durable-objects/group-commit.ts): not for the
// after-hooks its event queued, which run after it as durable jobs and are never lost.
import { afterEach, describe, expect, it } from 'vitest';
import { Organization } from '../domain/crm';
import { aTenant, apiJson } from './http';

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
