// Signed checkpoints: an Ed25519 signature over a tenant's chain head, with the key held as the
// AUDIT_SIGNING_KEY secret (a private JWK, or PKCS #8 in base64). Whoever keeps a checkpoint can later
// prove that an export extends it: the event at its seq must carry its hash, which pins every event before it.
import { signedText, type Checkpoint } from '../domain/checkpoint';

const b64url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

export interface SigningKey {
  readonly keyId: string;
  readonly publicJwk: JsonWebKey & { kid: string; alg: 'EdDSA'; use: 'sig' };
  readonly key: CryptoKey;
}

let cached: { secret: string; key: Promise<SigningKey | undefined> } | undefined;

/** The signing key from the secret, or undefined when it is absent or not an Ed25519 private JWK. */
export function signingKey(secret: string | undefined): Promise<SigningKey | undefined> {
  if (!secret) return Promise.resolve(undefined);
  if (cached?.secret !== secret) cached = { secret, key: load(secret) };
  return cached.key;
}

// The secret is a private JWK (JSON), or a PKCS #8 DER key in base64 (what `npm start` writes: .dev.vars
// files do not keep JSON's quotes well).
async function privateJwk(secret: string): Promise<JsonWebKey> {
  if (secret.trim().startsWith('{')) return JSON.parse(secret) as JsonWebKey;
  const der = Uint8Array.from(atob(secret.trim()), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, true, ['sign']);
  return (await crypto.subtle.exportKey('jwk', key)) as JsonWebKey;
}

async function load(secret: string): Promise<SigningKey | undefined> {
  try {
    const jwk = await privateJwk(secret);
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x) return undefined;
    const key = await crypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['sign']);
    const keyId = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(jwk.x))).slice(0, 16);
    return { keyId, key, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: keyId, alg: 'EdDSA', use: 'sig' } };
  } catch {
    return undefined;
  }
}

export async function sign(
  key: SigningKey,
  head: { tenant: string; seq: number; hash: string },
  time: string,
): Promise<Checkpoint> {
  const unsigned = { ...head, time, keyId: key.keyId };
  const signature = await crypto.subtle.sign('Ed25519', key.key, new TextEncoder().encode(signedText(unsigned)));
  return { ...unsigned, signature: b64url(signature) };
}
