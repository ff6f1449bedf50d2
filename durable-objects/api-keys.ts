// Tenant API keys: shown once at creation, stored only as SHA-256 hashes, cached in memory (a key
// check on every request must not cost a query), with a token bucket per key for rate limits. A bucket
// is written to SQLite only while it is below half full, so a busy key survives a restart without
// every read turning into a write (docs/security.md).
import type { Failure, Principal, RateState, Result, Scope } from '../shared/protocol';

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
/** Rate limits are per minute. */
const WINDOW_MS = 60_000;

/** Who acts, and for a tenant key its rate-limit state after this call. */
export interface Authorized {
  readonly actor: string;
  readonly rate?: RateState;
}

/** Puts the caller's rate-limit state on an answer, for the RateLimit headers. */
export function withRate<T>(result: Result<T>, auth: Authorized): Result<T> {
  return auth.rate ? { ...result, rate: auth.rate } : result;
}

interface Bucket {
  readonly tokens: number;
  /** Epoch ms the tokens were counted at. */
  readonly at: number;
}

// admin implies write implies read.
const IMPLIED: Readonly<Record<Scope, readonly Scope[]>> = {
  read: ['read'],
  write: ['read', 'write'],
  admin: ['read', 'write', 'admin'],
};

export function grants(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.some((s) => IMPLIED[s].includes(needed));
}

export class ApiKeys {
  private byHash: Map<string, ApiKey> | undefined;
  /** Buckets as last counted; a bucket absent here is read from SQLite (or is full). */
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly sql: SqlStorage) {}

  create(input: {
    id: string;
    name: string;
    scopes: readonly Scope[];
    rateLimit: number;
    hash: string;
    time: string;
  }): ApiKey {
    this.sql.exec(
      'INSERT INTO api_keys (id, name, hash, scopes, rate_limit, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      input.id,
      input.name,
      input.hash,
      JSON.stringify(input.scopes),
      input.rateLimit,
      input.time,
    );
    this.byHash = undefined;
    return { id: input.id, name: input.name, scopes: input.scopes, rateLimit: input.rateLimit, createdAt: input.time };
  }

  list(): ApiKey[] {
    return this.sql.exec('SELECT * FROM api_keys ORDER BY id').toArray().map(rowToKey);
  }

  revoke(id: string, time: string): boolean {
    const changed =
      this.sql.exec('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', time, id).rowsWritten > 0;
    this.byHash = undefined;
    return changed;
  }

  /** The actor a principal acts as, or why it may not act. */
  authorize(principal: Principal, scope: Scope, nowMs: number): Authorized | Failure {
    if (principal.kind === 'admin') return { actor: 'admin' };
    const key = this.lookup(principal.hash);
    if (!key || key.revokedAt) return { code: 'unauthorized', message: 'unknown or revoked API key' };
    if (!grants(key.scopes, scope))
      return { code: 'forbidden', message: `this key lacks the ${scope} scope`, extra: { scopes: key.scopes } };
    const { wait, rate } = this.take(key, nowMs);
    if (wait > 0)
      return {
        code: 'rate_limited',
        message: `rate limit of ${key.rateLimit} requests a minute exceeded`,
        extra: { retryAfter: Math.ceil(wait / 1000) },
        rate,
      };
    return { actor: `key:${key.id}`, rate };
  }

  private lookup(hash: string): ApiKey | undefined {
    if (!this.byHash) {
      const rows = this.sql.exec('SELECT * FROM api_keys').toArray();
      this.byHash = new Map(rows.map((r) => [String(r['hash']), rowToKey(r)]));
    }
    return this.byHash.get(hash);
  }

  // Token bucket: capacity = the per-minute limit, refilled continuously. `wait` is the ms until a
  // request fits, 0 when this one was taken. Memory moves only after the row (if any) is written.
  private take(key: ApiKey, nowMs: number): { wait: number; rate: RateState } {
    const capacity = key.rateLimit;
    const perMs = capacity / WINDOW_MS;
    const bucket = this.bucketOf(key.id, capacity, nowMs);
    const tokens = Math.min(capacity, bucket.tokens + Math.max(0, nowMs - bucket.at) * perMs);
    const rate = (left: number): RateState => ({
      limit: capacity,
      window: WINDOW_MS / 1000,
      remaining: Math.max(0, Math.floor(left)),
      reset: Math.ceil((capacity - left) / perMs / 1000),
    });
    // Refused: nothing is taken, and the stored count still refills to the same value.
    if (tokens < 1) return { wait: (1 - tokens) / perMs, rate: rate(tokens) };
    const left = tokens - 1;
    if (left < capacity / 2)
      this.sql.exec('INSERT OR REPLACE INTO rate_buckets (key_id, tokens, at) VALUES (?, ?, ?)', key.id, left, nowMs);
    this.buckets.set(key.id, { tokens: left, at: nowMs });
    return { wait: 0, rate: rate(left) };
  }

  private bucketOf(id: string, capacity: number, nowMs: number): Bucket {
    const known = this.buckets.get(id);
    if (known) return known;
    const row = this.sql.exec('SELECT tokens, at FROM rate_buckets WHERE key_id = ?', id).toArray()[0];
    const bucket = row ? { tokens: Number(row['tokens']), at: Number(row['at']) } : { tokens: capacity, at: nowMs };
    this.buckets.set(id, bucket);
    return bucket;
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
