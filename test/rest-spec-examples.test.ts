// The spec page's REST examples, word for word, with a token header.
import { describe, expect, it } from 'vitest';
import { aTenant, apiJson } from './http';

describe('the spec REST examples', () => {
  it('creates Alice Chen, lists her by stage and gets her by id', async () => {
    const tenant = aTenant('acme');
    const created = await apiJson(`/~${tenant}/contacts`, {
      method: 'POST',
      body: '{"name": "Alice Chen", "email": "alice@acme.dev", "stage": "Lead"}',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      $type: 'Contact',
      $version: 1,
      name: 'Alice Chen',
      email: 'alice@acme.dev',
      stage: 'Lead',
    });
    expect(created.body['$id']).toMatch(/^contact_[0-9A-Z]{26}$/);
    expect(created.headers.get('location')).toBe(`/~${tenant}/contacts/${created.body['$id']}`);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('x-event-seq')).toBe('1');

    const listed = await apiJson(`/~${tenant}/contacts?stage=Lead`);
    expect(listed.status).toBe(200);
    expect(listed.body['data'].map((c: { $id: string }) => c.$id)).toEqual([created.body['$id']]);
    expect((await apiJson(`/~${tenant}/contacts?stage=Qualified`)).body['data']).toEqual([]);

    const got = await apiJson(`/~${tenant}/contacts/${created.body['$id']}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);
  });
});
