// Who is calling, read off `Authorization: Bearer …` at the edge, before anything else of the request is
// read. The admin token is compared here through digests. A tenant key carries a MAC of its tenant and
// random part, checked here with the key secret: a key-shaped string never issued is refused without a
// hop. Only an authentic key goes on to its tenant's log, which checks revocation, scope and rate.
import type { Result as DomainResult } from '../domain/result';
import type { Principal } from '../shared/protocol';
import { sha256 } from './digest';

/** `crm_{tenant}_{random: 32 hex}_{mac: 32 hex}`; the tenant in the key refuses it on another tenant. */
const KEY_SHAPE = /^crm_([a-z0-9][a-z0-9-]{0,62})_([0-9a-f]{32})_([0-9a-f]{32})$/;
const MAC_BYTES = 16;

/** The secrets the edge needs: the admin token, and the key secret (env KEY_SECRET, see keySecretOf). */
export interface AuthSecrets {
  readonly ADMIN_TOKEN: string;
  readonly KEY_SECRET?: string;
}

export async function newKeySecret(tenant: string, secrets: AuthSecrets): Promise<string | undefined> {
  const key = await macKey(secrets);
  if (!key) return undefined;
  const random = hex(crypto.getRandomValues(new Uint8Array(16)));
  return `crm_${tenant}_${random}_${hex(await mac(key, tenant, random))}`;
}

/** The caller, or why it is not one (the 401's detail). */
export type Identified = DomainResult<Principal, string>;

export async function identify(request: Request, tenant: string, secrets: AuthSecrets): Promise<Identified> {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  if (!match) return { ok: false, error: 'send Authorization: Bearer <token>' };
  const token = match[1]!;
  if (secrets.ADMIN_TOKEN && (await equalDigests(token, secrets.ADMIN_TOKEN)))
    return { ok: true, value: { kind: 'admin' } };
  const parts = KEY_SHAPE.exec(token);
  if (!parts) return { ok: false, error: 'unknown token' };
  const [, keyTenant, random, sent] = parts as unknown as [string, string, string, string];
  const key = await macKey(secrets);
  if (!key || !timingSafeEqual(await mac(key, keyTenant, random), unhex(sent)))
    return { ok: false, error: 'unknown token' };
  if (keyTenant !== tenant) return { ok: false, error: 'this key belongs to another tenant' };
  return { ok: true, value: { kind: 'key', hash: await sha256(token) } };
}

// Comparing SHA-256 digests, always 32 bytes, in constant time: neither the content nor the length of
// the admin token leaks through timing.
async function equalDigests(sent: string, secret: string): Promise<boolean> {
  let known = secretDigests.get(secret);
  if (!known) secretDigests.set(secret, (known = digest(secret)));
  const [x, y] = await Promise.all([digest(sent), known]);
  return timingSafeEqual(x, y);
}

/** The admin token's digest, computed once per isolate. */
const secretDigests = new Map<string, Promise<Uint8Array>>();

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

function timingSafeEqual(x: Uint8Array, y: Uint8Array): boolean {
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}

async function mac(key: CryptoKey, tenant: string, random: string): Promise<Uint8Array> {
  const signed = await crypto.subtle.sign('HMAC', key, encoder.encode(`${tenant}_${random}`));
  return new Uint8Array(signed, 0, MAC_BYTES);
}

/**
 * The key secret: KEY_SECRET when set; otherwise derived from the admin token (HMAC of a fixed label),
 * so a deployment with only ADMIN_TOKEN works, and rotating that token then revokes every key.
 * Neither set: no key is valid. The imported CryptoKey is kept per secret for the isolate's life.
 */
export function keySecretOf(secrets: AuthSecrets): { readonly raw: string; readonly derived: boolean } | undefined {
  if (secrets.KEY_SECRET) return { raw: secrets.KEY_SECRET, derived: false };
  if (secrets.ADMIN_TOKEN) return { raw: secrets.ADMIN_TOKEN, derived: true };
  return undefined;
}

const keys = new Map<string, Promise<CryptoKey>>();

function macKey(secrets: AuthSecrets): Promise<CryptoKey | undefined> {
  const secret = keySecretOf(secrets);
  if (!secret) return Promise.resolve(undefined);
  const id = `${secret.derived ? 'admin' : 'key'}:${secret.raw}`;
  let key = keys.get(id);
  if (!key) {
    key = importMacKey(secret.raw, secret.derived);
    keys.set(id, key);
  }
  return key;
}

async function importMacKey(raw: string, derived: boolean): Promise<CryptoKey> {
  const hmac = { name: 'HMAC', hash: 'SHA-256' };
  if (!derived) return crypto.subtle.importKey('raw', encoder.encode(raw), hmac, false, ['sign']);
  const admin = await crypto.subtle.importKey('raw', encoder.encode(raw), hmac, false, ['sign']);
  const material = await crypto.subtle.sign('HMAC', admin, encoder.encode('crm api key secret v1'));
  return crypto.subtle.importKey('raw', material, hmac, false, ['sign']);
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function unhex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g)!, (pair) => parseInt(pair, 16));
}

const encoder = new TextEncoder();
