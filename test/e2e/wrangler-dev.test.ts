// The harness itself: a wrangler dev answers on its own port, keeps its state across a restart, takes its
// vars, and leaves nothing answering once stopped or killed.
import { describe, expect, it } from 'vitest';
import { E2E_ADMIN_TOKEN, startWranglerDev } from './wrangler-dev';

const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

describe('startWranglerDev', () => {
  it('serves the API, keeps state across a stop and a restart with other vars, and closes the port', async () => {
    const first = await startWranglerDev();
    const body = JSON.stringify({ name: 'Ada' });
    const made = await fetch(`${first.url}/~e2e/contacts`, { method: 'POST', headers: as(E2E_ADMIN_TOKEN), body });
    expect(made.status, await made.clone().text()).toBe(201);
    const { $id } = (await made.json()) as { $id: string };
    await first.stop();
    await expect(fetch(`${first.url}/health`)).rejects.toThrow();

    const second = await startWranglerDev({ persistTo: first.stateDir, vars: { ADMIN_TOKEN: 'another-token' } });
    const refused = await fetch(`${second.url}/~e2e/contacts/${$id}`, { headers: as(E2E_ADMIN_TOKEN) });
    expect(refused.status).toBe(401);
    const read = await fetch(`${second.url}/~e2e/contacts/${$id}`, { headers: as('another-token') });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ $id, name: 'Ada' });
    await second.kill();
    await expect(fetch(`${second.url}/health`)).rejects.toThrow();
  });
});
