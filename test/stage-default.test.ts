// Every contact lives in the stage machine (DESIGN §3): created without a stage it is a Lead, and a
// contact stored before stages defaulted reads and moves as a Lead too.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { aContact, created } from './builders';
import { aTenant, apiJson } from './http';
import { logStub } from './projection-helpers';
import { expectProblem } from './problem';

const patchRefused = (tenant: string, id: string, body: unknown) =>
  expectProblem(tenant, `/~${tenant}/contacts/${id}`, { method: 'PATCH', body }, 409);

describe('a contact created without a stage', () => {
  it('is a Lead, and its Created event says so', async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    expect(contact['stage']).toBe('Lead');
    const events = await apiJson(`/~${tenant}/events?type=Contact.Created`);
    expect(events.body['data'][0].data.stage).toBe('Lead');
  });

  it('cannot be PATCHed straight to Customer (409 naming Lead), and nothing is appended', async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    const answer = await patchRefused(tenant, contact['$id'], { stage: 'Customer' });
    expect(answer.body).toMatchObject({ stage: 'Lead', allowed: ['Qualified'] });
    await patchRefused(tenant, contact['$id'], { stage: null });
    expect((await apiJson(`/~${tenant}/contacts/${contact['$id']}`)).body['stage']).toBe('Lead');
  });
});

describe('a contact stored before stages defaulted', () => {
  // Writes a Created event without a stage and its entity row without one, as an older version did.
  async function anOldContact(tenant: string): Promise<string> {
    const id = 'contact_01JOLDCONTACT0000000000000';
    await runInDurableObject(logStub(tenant), (instance, state) => {
      const { parts: inside } = instance as unknown as {
        parts: { tx: { run(f: () => void): void }; store: { append: (...args: any[]) => unknown; rollback(): void } };
      };
      const data = { name: 'Old Timer', email: 'old@startup.io', title: 'CEO', leadScore: 60 };
      inside.tx.run(() =>
        inside.store.append([{ type: 'Contact.Created', entityType: 'Contact', entityId: id, data }], {
          time: new Date().toISOString(),
          actor: 'test',
          newEventId: () => '01JOLDEVENT000000000000000',
        }),
      );
      state.storage.sql.exec("UPDATE entities SET fields = json_remove(fields, '$.stage') WHERE id = ?", id);
      inside.store.rollback(); // forget the cached fold: read the row as stored
    });
    return id;
  }

  it('reads as a Lead and is refused a PATCH to Customer', async () => {
    const tenant = aTenant();
    await created(tenant, 'contacts', aContact()); // the tenant's object exists
    const id = await anOldContact(tenant);
    expect((await apiJson(`/~${tenant}/contacts/${id}`)).body['stage']).toBe('Lead');
    await patchRefused(tenant, id, { stage: 'Customer' });
  });

  it('is qualified as a Lead', async () => {
    const tenant = aTenant();
    await created(tenant, 'contacts', aContact());
    const id = await anOldContact(tenant);
    expect((await apiJson(`/~${tenant}/settings`, { method: 'PATCH', body: { qualifyThreshold: 0 } })).status).toBe(
      200,
    );
    const qualified = await apiJson(`/~${tenant}/contacts/${id}/qualify`, { method: 'POST' });
    expect(qualified.status, JSON.stringify(qualified.body)).toBe(200);
    expect(qualified.body['stage']).toBe('Qualified');
  });
});
