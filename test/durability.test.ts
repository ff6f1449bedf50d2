// The log survives an eviction of its Durable Object: state, uniqueness, the chain and remembered
// answers all come back from SQLite, and the folded state stays equal to a fold of the log.
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { represent } from '../domain/entity';
import { fold } from '../domain/evolve';
import { verifyChain } from '../domain/events';
import { rowToEntity, rowToEvent } from '../durable-objects/event-store';
import { aContact, anOrganization, created } from './builders';
import { aTenant, api, apiJson } from './http';

const stubOf = (tenant: string) => env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant));

/** Evicts a tenant's log and checks that a new instance answers (a mark set on the old one is gone). */
async function evict(tenant: string): Promise<void> {
  const stub = stubOf(tenant);
  await runInDurableObject(stub, (instance: object) => {
    Reflect.set(instance, 'testMark', true);
  });
  await evictDurableObject(stub);
  expect(await runInDurableObject(stub, (instance: object) => Reflect.get(instance, 'testMark'))).toBeUndefined();
}

async function aTenantWithHistory() {
  const tenant = aTenant();
  const org = await created(tenant, 'organizations', anOrganization());
  const alice = await created(tenant, 'contacts', aContact({ email: 'alice@acme.dev', organization: org['$id'] }));
  const bob = await created(tenant, 'contacts', aContact({ manager: alice['$id'] }));
  expect(
    (await api(`/~${tenant}/contacts/${alice['$id']}`, { method: 'PATCH', body: { department: 'Engineering' } }))
      .status,
  ).toBe(200);
  expect((await api(`/~${tenant}/contacts/${bob['$id']}`, { method: 'DELETE' })).status).toBe(204);
  return { tenant, alice: (await apiJson(`/~${tenant}/contacts/${alice['$id']}`)).body, bob };
}

/** The stored state and the state a fold of the stored log gives, both as representations. */
async function stateAndFold(tenant: string) {
  return runInDurableObject(stubOf(tenant), (_, state) => {
    const sql = state.storage.sql;
    const events = sql.exec('SELECT * FROM events ORDER BY seq').toArray().map(rowToEvent);
    const entities = sql.exec('SELECT * FROM entities ORDER BY id').toArray().map(rowToEntity);
    const folded = [...fold(events).values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    return { events, stored: entities, folded };
  });
}

describe('a tenant log after eviction', () => {
  it('answers reads as before', async () => {
    const { tenant, alice, bob } = await aTenantWithHistory();
    await evict(tenant);
    expect((await apiJson(`/~${tenant}/contacts/${alice['$id']}`)).body).toEqual(alice);
    expect((await api(`/~${tenant}/contacts/${bob['$id']}`)).status).toBe(410);
  });

  it('continues the seq and the hash chain where it stopped', async () => {
    const { tenant } = await aTenantWithHistory();
    await evict(tenant);
    const next = await apiJson(`/~${tenant}/contacts`, { method: 'POST', body: aContact() });
    expect(next.headers.get('x-event-seq')).toBe('6');
    const { events } = await stateAndFold(tenant);
    expect(verifyChain(events)).toEqual({ seq: 6, hash: events[5]!.hash });
  });

  it('still holds taken emails, and replays remembered answers', async () => {
    const { tenant, alice } = await aTenantWithHistory();
    const call = { method: 'POST', body: aContact(), headers: { 'idempotency-key': 'once' } };
    const first = await apiJson(`/~${tenant}/contacts`, call);
    await evict(tenant);
    const duplicate = await apiJson(`/~${tenant}/contacts`, {
      method: 'POST',
      body: aContact({ email: 'ALICE@acme.dev' }),
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body['existingId']).toBe(alice['$id']);
    const retry = await apiJson(`/~${tenant}/contacts`, call);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('x-event-seq')).toBe(first.headers.get('x-event-seq'));
  });

  it('still knows its keys', async () => {
    const tenant = aTenant();
    const key = (await apiJson(`/~${tenant}/keys`, { method: 'POST', body: { name: 'k', scopes: ['write'] } })).body[
      'key'
    ];
    await created(tenant, 'contacts', aContact(), key);
    await evict(tenant);
    await created(tenant, 'contacts', aContact(), key);
  });
});

describe('the folded state', () => {
  it('equals a fold of the log, before and after eviction', async () => {
    const { tenant } = await aTenantWithHistory();
    const before = await stateAndFold(tenant);
    expect(before.stored).toEqual(before.folded);
    await evict(tenant);
    const after = await stateAndFold(tenant);
    expect(after.stored).toEqual(after.folded);
    expect(after.stored.map(represent)).toEqual(before.stored.map(represent));
  });

  it('is read from the entities table on wake-up, not rebuilt from the log', async () => {
    const { tenant, alice } = await aTenantWithHistory();
    // Rewrite the stored Created event: a wake-up that re-folded the log would now show this name.
    await runInDurableObject(stubOf(tenant), (_, state) => {
      state.storage.sql.exec(
        `UPDATE events SET data = json_set(data, '$.name', 'Rewritten')
         WHERE entity_id = ? AND type = 'Contact.Created'`,
        alice['$id'],
      );
    });
    await evict(tenant);
    expect((await apiJson(`/~${tenant}/contacts/${alice['$id']}`)).body['name']).toBe(alice['name']);
  });
});
