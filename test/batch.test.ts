// POST /~t/batch: atomic all-or-nothing with the failed operation named, or one result per operation.
import { describe, expect, it } from 'vitest';
import { aContact } from './builders';
import { aTenant, apiJson, eventCount } from './http';

const batch = (tenant: string, body: unknown) => apiJson(`/~${tenant}/batch`, { method: 'POST', body });

describe('an atomic batch', () => {
  it('applies every operation in one go and answers a result for each', async () => {
    const tenant = aTenant();
    const first = await apiJson(`/~${tenant}/contacts`, { body: aContact({ stage: 'Customer' }) });
    const answer = await batch(tenant, {
      atomic: true,
      operations: [
        { type: 'Contact', verb: 'create', data: aContact({ name: 'Batch One' }) },
        { type: 'Contact', verb: 'update', id: first.body['$id'], data: { stage: 'Churned' } },
        { type: 'Contact', verb: 'assign', id: first.body['$id'], data: { owner: 'ana' } },
        { type: 'contacts', verb: 'capture', data: { name: 'Cap', email: 'cap@startup.io', source: 'web' } },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body['results'].map((r: any) => r.status)).toEqual([201, 200, 200, 201]);
    expect(answer.body['results'][2].body).toMatchObject({ owner: 'ana', stage: 'Churned' });
    expect(Number(answer.headers.get('x-event-seq'))).toBeGreaterThan(1);
  });

  it('writes nothing when one operation is refused, and answers 422 naming it', async () => {
    const tenant = aTenant();
    const taken = await apiJson(`/~${tenant}/contacts`, { body: aContact({ email: 'taken@startup.io' }) });
    const before = await eventCount(tenant);
    const answer = await batch(tenant, {
      atomic: true,
      operations: [
        { type: 'Contact', verb: 'create', data: aContact() },
        { type: 'Contact', verb: 'create', data: aContact() },
        { type: 'Contact', verb: 'create', data: aContact({ email: 'TAKEN@startup.io' }) },
      ],
    });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      title: 'Batch operation failed',
      operation: 2,
      cause: { status: 409, title: 'Duplicate', existingId: taken.body['$id'] },
    });
    expect(await eventCount(tenant)).toBe(before);
  });

  it('updates from a representation sent back, refusing one whose $version is stale', async () => {
    const tenant = aTenant();
    const read = (await apiJson(`/~${tenant}/contacts`, { body: aContact() })).body;
    const ok = await batch(tenant, {
      atomic: true,
      operations: [{ type: 'Contact', verb: 'update', id: read['$id'], data: { ...read, title: 'CTO' } }],
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body['results'][0].body).toMatchObject({ title: 'CTO' });
    const before = await eventCount(tenant);
    const stale = await batch(tenant, {
      atomic: true,
      operations: [{ type: 'Contact', verb: 'update', id: read['$id'], data: { ...read, title: 'CEO' } }],
    });
    expect(stale.status).toBe(422);
    expect(stale.body).toMatchObject({ operation: 0, cause: { status: 412 }, errors: [{ path: '/$version' }] });
    expect(await eventCount(tenant)).toBe(before);
  });

  it('names an operation that fails validation at the edge', async () => {
    const tenant = aTenant();
    const answer = await batch(tenant, {
      atomic: true,
      operations: [
        { type: 'Contact', verb: 'create', data: aContact() },
        { type: 'Contact', verb: 'create', data: { name: 'X', leadScore: 99 } },
      ],
    });
    expect(answer.status).toBe(422);
    expect(answer.body['operation']).toBe(1);
    expect(answer.body['errors']).toEqual([
      { path: '/operations/1/data/leadScore', message: 'is computed and read-only' },
    ]);
    expect(await eventCount(tenant)).toBe(0);
  });

  it('rolls back an earlier capture when a later operation is refused (404)', async () => {
    const tenant = aTenant();
    const answer = await batch(tenant, {
      atomic: true,
      operations: [
        { type: 'Contact', verb: 'capture', data: { name: 'Z', email: 'z@gmail.com' } },
        {
          type: 'Contact',
          verb: 'merge',
          id: 'contact_01ARZ3NDEKTSV4RRFFQ69G5FAV',
          data: { sources: ['contact_01ARZ3NDEKTSV4RRFFQ69G5FAW'] },
        },
      ],
    });
    expect(answer.status).toBe(422);
    expect(answer.body['cause']['status']).toBe(404);
    expect(await eventCount(tenant)).toBe(0);
  });

  it('takes 1,000 operations and refuses 1,001', async () => {
    const tenant = aTenant();
    const operations = Array.from({ length: 1_000 }, (_, i) => ({
      type: 'Contact',
      verb: 'create',
      data: { name: `Bulk ${i}`, email: `bulk${i}@startup.io` },
    }));
    const answer = await batch(tenant, { atomic: true, operations });
    expect(answer.status).toBe(200);
    expect(answer.body['results']).toHaveLength(1_000);
    expect(await eventCount(tenant)).toBe(1_000);
    expect((await batch(tenant, { atomic: true, operations: [...operations, operations[0]] })).status).toBe(422);
  });
});

describe('a non-atomic batch', () => {
  it('answers one result per operation, failures as problems, and keeps the rest', async () => {
    const tenant = aTenant();
    const answer = await batch(tenant, {
      operations: [
        { type: 'Contact', verb: 'create', data: aContact({ email: 'one@startup.io' }) },
        { type: 'Contact', verb: 'create', data: aContact({ email: 'one@startup.io' }) },
        { type: 'Contact', verb: 'fly', data: {} },
        { type: 'Contact', verb: 'create', data: aContact() },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body['results'].map((r: any) => r.status)).toEqual([201, 409, 404, 201]);
    expect(answer.body['results'][1].body).toMatchObject({ title: 'Duplicate', status: 409 });
    expect(await eventCount(tenant)).toBe(2);
  });

  it('refuses a malformed batch with 400/422', async () => {
    const tenant = aTenant();
    expect((await batch(tenant, { operations: [], atomic: true })).status).toBe(422);
    expect((await batch(tenant, { ops: [] })).status).toBe(400);
    expect(
      (await batch(tenant, { operations: [{ type: 'Contact', verb: 'create', data: aContact() }], atomic: 'yes' }))
        .status,
    ).toBe(422);
    const withId = await batch(tenant, {
      operations: [{ type: 'Contact', verb: 'create', id: 'contact_01ARZ3NDEKTSV4RRFFQ69G5FAV', data: aContact() }],
    });
    expect(withId.body['results'][0]).toMatchObject({ status: 400, body: { errors: [{ path: '/operations/0/id' }] } });
    expect(await eventCount(tenant)).toBe(0);
  });
});
