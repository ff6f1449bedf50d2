// The harness itself: a wrangler dev answers on its own port, keeps its state across a restart, and
// leaves nothing answering once stopped or killed.
import { describe, expect, it } from 'vitest';
import { E2E_ADMIN_TOKEN, startWranglerDev } from './wrangler-dev';

const auth = { authorization: `Bearer ${E2E_ADMIN_TOKEN}`, 'content-type': 'application/json' };

describe('startWranglerDev', () => {
  it('serves the API, keeps state across a stop and a restart, and closes the port each time', async () => {
    const first = await startWranglerDev();
    const body = JSON.stringify({ name: 'Ada' });
    const made = await fetch(`${first.url}/~e2e/contacts`, { method: 'POST', headers: auth, body });
    expect(made.status, await made.clone().text()).toBe(201);
    const { $id } = (await made.json()) as { $id: string };
    await first.stop();
    await expect(fetch(`${first.url}/health`)).rejects.toThrow();

    const second = await startWranglerDev({ persistTo: first.stateDir });
    const read = await fetch(`${second.url}/~e2e/contacts/${$id}`, { headers: auth });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ $id, name: 'Ada' });
    await second.kill();
    await expect(fetch(`${second.url}/health`)).rejects.toThrow();
  });

  it('passes vars to the Worker: another admin token is the only one accepted', async () => {
    const dev = await startWranglerDev({ vars: { ADMIN_TOKEN: 'another-token' } });
    const refused = await fetch(`${dev.url}/~e2e/contacts`, { headers: auth });
    expect(refused.status).toBe(401);
    const allowed = await fetch(`${dev.url}/~e2e/contacts`, { headers: { authorization: 'Bearer another-token' } });
    expect(allowed.status).toBe(200);
    await dev.stop();
  });
});
