// Erasure reaches the disk: after POST /~t/contacts/{id}/erase, a scan of every persisted Durable Object
// file (both objects' SQLite databases and their WAL, the erasure's scratch object too) finds none of the
// person's name, email or phone bytes, which were there before; and the chain still verifies.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { send } from './cli-helpers';
import { startWranglerDev, type WranglerDev } from './wrangler-dev';

const PERSON = {
  name: 'Xanthippe Quarrington',
  email: 'xanthippe.q@erasure.example',
  phone: '+44 20 7946 0321',
  stage: 'Lead',
};
const OTHER = { name: 'Bartholomew Keep', email: 'bart.keep@erasure.example' };

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Which of the values occur in which persisted DO files (raw bytes: pages, WAL frames, free space). */
function scan(state: string, values: readonly string[]): { file: string; value: string }[] {
  return filesUnder(join(state, 'v3/do')).flatMap((file) => {
    const bytes = readFileSync(file);
    return values
      .filter((v) => bytes.includes(Buffer.from(v)))
      .map((value) => ({ file: file.slice(state.length), value }));
  });
}

let dev: WranglerDev | undefined;
const state = mkdtempSync(join(tmpdir(), 'crm-erasure-'));
afterAll(async () => {
  await dev?.stop();
  rmSync(state, { recursive: true, force: true });
});

describe('an erasure, on disk', () => {
  it('leaves none of the contact’s bytes in any persisted file of the tenant', async () => {
    dev = await startWranglerDev({ persistTo: state });
    const { url } = dev;
    await fetch(`${url}/~acme/settings`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer e2e-admin-token', 'content-type': 'application/json' },
      body: '{"qualifyThreshold":0}',
    });
    const person = (await (await send(url, '/~acme/contacts', PERSON)).json()) as { $id: string };
    await send(url, `/~acme/contacts/${person.$id}/qualify`, {}, { 'idempotency-key': 'qualify-1' });
    await send(url, '/~acme/contacts', OTHER);
    await send(url, '/~acme/contacts/capture', { email: PERSON.email, source: 'webinar' });
    // The read model has them too.
    const head = (await send(url, '/~acme/events')).headers.get('x-event-seq')!;
    const listed = await (await send(url, '/~acme/contacts?limit=100', undefined, { 'x-min-seq': head })).text();
    expect(listed).toContain(PERSON.name);
    const values = [PERSON.name, PERSON.email, PERSON.phone];
    expect(scan(state, values).map((hit) => hit.value)).toEqual(expect.arrayContaining(values));

    const erased = await send(url, `/~acme/contacts/${person.$id}/erase`, {});
    expect(erased.status, await erased.clone().text()).toBe(200);
    expect(((await (await send(url, '/~acme/audit/verify')).json()) as { ok: boolean }).ok).toBe(true);
    expect(await (await send(url, '/~acme/contacts?limit=100')).text()).toContain(OTHER.name);
    await dev.stop();
    dev = undefined;

    expect(scan(state, values)).toEqual([]);
    expect(scan(state, [OTHER.name])).not.toEqual([]);
  });
});
