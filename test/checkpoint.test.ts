// Signed checkpoints (issue 10): an Ed25519 signature over the head, checkable with the published key.
import { describe, expect, it } from 'vitest';
import { aContact, created } from './builders';
import { aTenant, api, apiJson } from './http';

const canonical = (c: Record<string, unknown>) =>
  JSON.stringify({ hash: c['hash'], keyId: c['keyId'], seq: c['seq'], tenant: c['tenant'], time: c['time'] });
const fromB64url = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

describe('GET /~t/audit/checkpoint', () => {
  it('signs the head with a key published at /audit/keys', async () => {
    const tenant = aTenant();
    await created(tenant, 'contacts', aContact());
    await created(tenant, 'contacts', aContact());
    const checkpoint = (await apiJson(`/~${tenant}/audit/checkpoint`)).body;
    const events = (await apiJson(`/~${tenant}/events`)).body['data'];
    expect(checkpoint).toMatchObject({
      tenant,
      seq: 2,
      hash: events[1].hash,
      keyId: expect.any(String),
      signature: expect.any(String),
    });
    const keys = await apiJson(`/audit/keys`, { token: null });
    const jwk = keys.body['keys'].find((k: Record<string, unknown>) => k['kid'] === checkpoint['keyId']);
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(jwk['d']).toBeUndefined();
    const key = await crypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['verify']);
    const ok = (c: Record<string, unknown>) =>
      crypto.subtle.verify(
        'Ed25519',
        key,
        fromB64url(String(checkpoint['signature'])),
        new TextEncoder().encode(canonical(c)),
      );
    expect(await ok(checkpoint)).toBe(true);
    expect(await ok({ ...checkpoint, seq: 1 })).toBe(false);
  });

  it('needs the admin scope', async () => {
    const tenant = aTenant();
    expect((await api(`/~${tenant}/audit/checkpoint`, { token: null })).status).toBe(401);
  });
});
