// The one table from error codes to HTTP statuses and RFC 9457 problem types, and the builders of
// application/problem+json answers.
import type { CheckFailure } from '../domain/result';
import type { ErrorCode, Failure } from '../shared/protocol';

const PROBLEM_BASE = 'https://crm.headless.ly/problems/';

export const PROBLEMS: Readonly<Record<ErrorCode | EdgeCode, { readonly status: number; readonly title: string }>> = {
  bad_request: { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  duplicate: { status: 409, title: 'Duplicate' },
  invalid_transition: { status: 409, title: 'Invalid stage transition' },
  cycle: { status: 409, title: 'Reference cycle' },
  merged: { status: 409, title: 'Merged' },
  invalid_merge: { status: 409, title: 'Merge refused' },
  conflict: { status: 409, title: 'Conflict' },
  gone: { status: 410, title: 'Gone' },
  version_mismatch: { status: 412, title: 'Precondition failed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  invalid: { status: 422, title: 'Unprocessable content' },
  invalid_reference: { status: 422, title: 'Invalid reference' },
  hook_rejected: { status: 422, title: 'Rejected by a hook' },
  idempotency_mismatch: { status: 422, title: 'Idempotency-Key reused' },
  operation_failed: { status: 422, title: 'Batch operation failed' },
  rate_limited: { status: 429, title: 'Too many requests' },
  moved: { status: 308, title: 'Merged' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
};

/** Codes only the edge produces, before a request reaches a Durable Object. */
export type EdgeCode = 'method_not_allowed' | 'payload_too_large' | 'unsupported_media_type' | 'internal';

/** A problem lists at most this many errors; `errorCount` then says how many there were in all. */
export const MAX_LISTED_ERRORS = 100;

export function listedErrors(errors: Failure['errors']): { errors?: Failure['errors']; errorCount?: number } {
  if (!errors?.length) return {};
  if (errors.length <= MAX_LISTED_ERRORS) return { errors };
  return { errors: errors.slice(0, MAX_LISTED_ERRORS), errorCount: errors.length };
}

export function problem(
  error: Failure | { code: EdgeCode; message: string; errors?: Failure['errors']; extra?: Failure['extra'] },
  headers: HeadersInit = {},
): Response {
  const { status, title } = PROBLEMS[error.code];
  const body = {
    type: `${PROBLEM_BASE}${error.code}`,
    title,
    status,
    detail: error.message,
    ...listedErrors(error.errors),
    ...(error.extra ?? {}),
  };
  const extraHeaders = new Headers(headers);
  extraHeaders.set('content-type', 'application/problem+json');
  if (error.code === 'unauthorized') extraHeaders.set('www-authenticate', 'Bearer realm="crm"');
  const retryAfter = error.extra?.['retryAfter'];
  if (typeof retryAfter === 'number') extraHeaders.set('retry-after', String(retryAfter));
  return new Response(JSON.stringify(body), { status, headers: extraHeaders });
}

export function badRequest(message: string, errors?: Failure['errors']): Response {
  return problem({ code: 'bad_request', message, ...(errors ? { errors } : {}) });
}

/** A body the edge's checks refused (domain/validate.ts), answered with its code's status. */
export function invalidBody(refusal: CheckFailure, message: string): Response {
  return problem({ code: refusal.code, message, errors: refusal.errors });
}
