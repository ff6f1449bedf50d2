// The error table, part 3: problems that depend on stored state (409, 410, 412). Each answers
// problem+json and leaves the log as it was.
import { describe, expect, it } from 'vitest';
import { aContact, created } from './builders';
import { aTenant, api } from './http';
import { expectProblem, messageAt } from './problem';

describe('a write that conflicts with a live contact', () => {
  it('answers 409 to a duplicate email, naming the existing id', async () => {
    const tenant = aTenant();
    const alice = await created(tenant, 'contacts', aContact({ email: 'alice@acme.dev' }));
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts`,
      { method: 'POST', body: aContact({ email: 'alice@acme.dev' }) },
      409,
    );
    expect(body.type).toMatch(/duplicate$/);
    expect(body['existingId']).toBe(alice['$id']);
    expect(body.detail).toContain(alice['$id']);
    expect(messageAt(body, '/email')).toContain(alice['$id']);
  });

  it('answers 409 when an update takes another contact’s email', async () => {
    const tenant = aTenant();
    const alice = await created(tenant, 'contacts', aContact({ email: 'alice@acme.dev' }));
    const bob = await created(tenant, 'contacts', aContact());
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts/${bob['$id']}`,
      { method: 'PATCH', body: { email: ' ALICE@acme.dev' } },
      409,
    );
    expect(body['existingId']).toBe(alice['$id']);
  });

  it('answers 409 to a manager that would close a cycle', async () => {
    const tenant = aTenant();
    const boss = await created(tenant, 'contacts', aContact());
    const report = await created(tenant, 'contacts', aContact({ manager: boss['$id'] }));
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts/${boss['$id']}`,
      { method: 'PATCH', body: { manager: report['$id'] } },
      409,
    );
    expect(body.type).toMatch(/cycle$/);
    expect(messageAt(body, '/manager')).toMatch(/cycle/);
    await expectProblem(
      tenant,
      `/~${tenant}/contacts/${boss['$id']}`,
      { method: 'PATCH', body: { manager: boss['$id'] } },
      409,
    );
  });
});

describe('a deleted contact', () => {
  async function aDeletedContact(): Promise<{ tenant: string; id: string }> {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    expect((await api(`/~${tenant}/contacts/${contact['$id']}`, { method: 'DELETE' })).status).toBe(204);
    return { tenant, id: contact['$id'] };
  }

  it('answers 410 to a read', async () => {
    const { tenant, id } = await aDeletedContact();
    const { body } = await expectProblem(tenant, `/~${tenant}/contacts/${id}`, {}, 410);
    expect(body.type).toMatch(/gone$/);
    expect(body.detail).toContain(id);
  });

  it('answers 410 to an update and to a second delete', async () => {
    const { tenant, id } = await aDeletedContact();
    await expectProblem(tenant, `/~${tenant}/contacts/${id}`, { method: 'PATCH', body: { title: 'CTO' } }, 410);
    await expectProblem(tenant, `/~${tenant}/contacts/${id}`, { method: 'DELETE' }, 410);
  });
});

describe('a write with a stale If-Match', () => {
  it('answers 412 with the current version, to an update and to a delete', async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    const id = contact['$id'];
    expect(
      (
        await api(`/~${tenant}/contacts/${id}`, {
          method: 'PATCH',
          body: { department: 'Sales' },
          headers: { 'if-match': '"1"' },
        })
      ).status,
    ).toBe(200);
    const { body } = await expectProblem(
      tenant,
      `/~${tenant}/contacts/${id}`,
      { method: 'PATCH', body: { department: 'Ops' }, headers: { 'if-match': '"1"' } },
      412,
    );
    expect(body.type).toMatch(/version_mismatch$/);
    expect(body['version']).toBe(2);
    await expectProblem(
      tenant,
      `/~${tenant}/contacts/${id}`,
      { method: 'DELETE', headers: { 'if-match': 'W/"1"' } },
      412,
    );
  });
});
