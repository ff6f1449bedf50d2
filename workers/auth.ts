// Who is calling, read off `Authorization: Bearer …` at the edge. The admin token is compared here;
// a tenant key is hashed here and checked by its tenant's log, where it is stored.
import type { Principal } from '../durable-objects/protocol';
import { sha256 } from './digest';

/** Tenant keys name their tenant, so a key used on another tenant is refused without a lookup. */
const KEY_SHAPE = /^crm_([a-z0-9][a-z0-9-]{0,62})_([0-9a-f]{64})$/;

export function newKeySecret(tenant: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `crm_${tenant}_${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export type Identified = { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly message: string };

export async function identify(request: Request, tenant: string, adminToken: string): Promise<Identified> {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return { ok: false, message: 'send Authorization: Bearer <token>' };
  const token = match[1]!;
  if (adminToken && equalSecrets(token, adminToken)) return { ok: true, principal: { kind: 'admin' } };
  const key = KEY_SHAPE.exec(token);
  if (!key) return { ok: false, message: 'unknown token' };
  if (key[1] !== tenant) return { ok: false, message: 'this key belongs to another tenant' };
  return { ok: true, principal: { kind: 'key', hash: await sha256(token) } };
}

// Constant-time over equal lengths; the length of the admin token is not a secret worth hiding.
function equalSecrets(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}

const encoder = new TextEncoder();
