// Tenant API keys: shown once at creation, stored only as SHA-256 hashes, cached in memory (a key
// check on every request must not cost a query), with a token bucket per key for rate limits.
import type { Failure, Principal, Scope } from './protocol';

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** Requests per minute. */
  readonly rateLimit: number;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

export const DEFAULT_RATE_LIMIT = 6_000;

// admin implies write implies read.
const IMPLIED: Readonly<Record<Scope, readonly Scope[]>> = { read: ['read'], write: ['read', 'write'], admin: ['read', 'write', 'admin'] };

export function grants(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.some((s) => IMPLIED[s].includes(needed));
}

export class ApiKeys {
  private byHash: Map<string, ApiKey> | undefined;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly sql: SqlStorage) {}

  create(input: { id: string; name: string; scopes: readonly Scope[]; rateLimit: number; hash: string; time: string }): ApiKey {
    this.sql.exec(
      'INSERT INTO api_keys (id, name, hash, scopes, rate_limit, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      input.id, input.name, input.hash, JSON.stringify(input.scopes), input.rateLimit, input.time,
    );
    this.byHash = undefined;
    return { id: input.id, name: input.name, scopes: input.scopes, rateLimit: input.rateLimit, createdAt: input.time };
  }

  list(): ApiKey[] {
    return this.sql.exec('SELECT * FROM api_keys ORDER BY id').toArray().map(rowToKey);
  }

  revoke(id: string, time: string): boolean {
    const changed = this.sql.exec('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', time, id).rowsWritten > 0;
    this.byHash = undefined;
    return changed;
  }

  /** The actor a principal acts as, or why it may not act. */
  authorize(principal: Principal, scope: Scope, nowMs: number): { actor: string } | Failure {
    if (principal.kind === 'admin') return { actor: 'admin' };
    const key = this.lookup(principal.hash);
    if (!key || key.revokedAt) return { code: 'unauthorized', message: 'unknown or revoked API key' };
    if (!grants(key.scopes, scope)) return { code: 'forbidden', message: `this key lacks the ${scope} scope`, extra: { scopes: key.scopes } };
    const wait = this.take(key, nowMs);
    if (wait > 0) return { code: 'rate_limited', message: `rate limit of ${key.rateLimit} requests a minute exceeded`, extra: { retryAfter: Math.ceil(wait / 1000) } };
    return { actor: `key:${key.id}` };
  }

  private lookup(hash: string): ApiKey | undefined {
    if (!this.byHash) {
      const rows = this.sql.exec('SELECT * FROM api_keys').toArray();
      this.byHash = new Map(rows.map((r) => [String(r['hash']), rowToKey(r)]));
    }
    return this.byHash.get(hash);
  }

  // Token bucket: capacity = the per-minute limit, refilled continuously. Returns ms to wait, 0 if taken.
  private take(key: ApiKey, nowMs: number): number {
    const perMs = key.rateLimit / 60_000;
    const bucket = this.buckets.get(key.id) ?? { tokens: key.rateLimit, at: nowMs };
    const tokens = Math.min(key.rateLimit, bucket.tokens + (nowMs - bucket.at) * perMs);
    if (tokens < 1) {
      this.buckets.set(key.id, { tokens, at: nowMs });
      return (1 - tokens) / perMs;
    }
    this.buckets.set(key.id, { tokens: tokens - 1, at: nowMs });
    return 0;
  }
}

function rowToKey(row: Record<string, SqlStorageValue>): ApiKey {
  return {
    id: String(row['id']),
    name: String(row['name']),
    scopes: JSON.parse(String(row['scopes'])) as Scope[],
    rateLimit: Number(row['rate_limit']),
    createdAt: String(row['created_at']),
    ...(row['revoked_at'] ? { revokedAt: String(row['revoked_at']) } : {}),
  };
}
