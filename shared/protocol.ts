// What crosses the Worker → Durable Object RPC boundary. Results, never thrown errors: a thrown
// error loses its own properties on the way (STYLE.md).
import type { DomainErrorCode } from '../domain/errors';
import type { Result as DomainResult } from '../domain/result';

export type ErrorCode =
  | DomainErrorCode
  | 'unauthorized' // no or unknown credential
  | 'forbidden' // the key lacks the scope
  | 'rate_limited'
  | 'idempotency_mismatch' // same Idempotency-Key, other request
  | 'bad_request'
  | 'moved' // a merged entity: read it at its target
  | 'operation_failed' // an atomic batch refused one operation and wrote nothing
  | 'payload_too_large' // an answer too large to keep under its Idempotency-Key; nothing written
  | 'internal' // an unexpected error inside a unit of work, which rolled back
  | 'unavailable' // the read model has not reached the asked seq in time
  | 'conflict'; // the request does not fit the tenant's state (an import into a tenant with events)

export interface Failure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly errors?: readonly { readonly path: string; readonly message: string }[];
  readonly extra?: Readonly<Record<string, unknown>>;
  /** A tenant key's rate-limit state when it was refused (429): the RateLimit headers. */
  readonly rate?: RateState;
}

/** A tenant key's rate-limit state after a call (docs/security.md). */
export interface RateState {
  /** Requests per window (the bucket's capacity) and the window in seconds. */
  readonly limit: number;
  readonly window: number;
  /** Whole requests left now, and seconds until the bucket is full again. */
  readonly remaining: number;
  readonly reset: number;
}

/** The one result shape (domain/result.ts) with a `Failure`; an RPC answer also carries the caller's rate state. */
export type Result<T> = DomainResult<T, Failure> & { readonly rate?: RateState };

export type Scope = 'read' | 'write' | 'admin';

/** Who calls: the admin token (checked by the Worker) or a tenant key, by the SHA-256 of its secret. */
export type Principal = { readonly kind: 'admin' } | { readonly kind: 'key'; readonly hash: string };

export interface CallContext {
  readonly tenant: string;
  readonly principal: Principal;
  /** Carried into the events as their correlation id. */
  readonly requestId?: string;
}

export interface Idempotency {
  readonly key: string;
  /** Hash of method, path and body: the same key with another request is refused. */
  readonly fingerprint: string;
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function failure(
  code: ErrorCode,
  message: string,
  more: Omit<Failure, 'code' | 'message'> = {},
): { ok: false; error: Failure } {
  return { ok: false, error: { code, message, ...more } };
}
