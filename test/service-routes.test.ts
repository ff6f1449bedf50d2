// `GET /` and `GET /health`: the two routes outside every tenant, answered without a credential.
import { env, listDurableObjectIds } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import pkg from '../package.json';
import { api, apiJson } from './http';

describe('GET /', () => {
  it('answers the service name, the version from package.json and links to the API, without a credential', async () => {
    const answer = await apiJson('/', { token: null });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body).toMatchObject({ name: pkg.name, version: pkg.version });
    expect(answer.body['links']).toMatchObject({ health: '/health', events: '/~{tenant}/events' });
    expect(answer.body['links'].collections).toContain('/~{tenant}/contacts');
  });

  it('answers HEAD like GET, without a body, and 405 to other methods', async () => {
    const head = await api('/', { method: 'HEAD', token: null });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await api('/', { method: 'POST', token: null, body: {} });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('GET / and GET /health', () => {
  it('wake no Durable Object', async () => {
    const before = [...(await listDurableObjectIds(env.TENANT_LOG)), ...(await listDurableObjectIds(env.READ_MODEL))];
    for (const path of ['/', '/health']) expect((await api(path, { token: null })).status).toBe(200);
    const after = [...(await listDurableObjectIds(env.TENANT_LOG)), ...(await listDurableObjectIds(env.READ_MODEL))];
    expect(after.map(String)).toEqual(before.map(String));
  });
});

describe('GET /health', () => {
  it('answers 200 without a credential, and with a wrong one', async () => {
    for (const token of [null, 'not-a-token']) {
      const answer = await apiJson('/health', { token });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ status: 'ok', version: pkg.version });
    }
  });
});
