// One result shape for whatever may refuse without throwing: the domain's request checks, the edge's
// parsers and every Durable Object RPC answer (shared/protocol.ts fixes the failure to its `Failure`).
// Refusals carry a code; only the edge (workers/problems.ts) turns a code into an HTTP status.
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** A path into the request body (a JSON pointer, or `?name` for a query parameter) and what is wrong there. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** Why a request check refused: `bad_request` for a wrong shape or unknown members, `invalid` for values that
 *  are not acceptable, `not_found` for a verb the noun does not have. */
export interface CheckFailure {
  readonly code: 'bad_request' | 'invalid' | 'not_found';
  readonly errors: readonly FieldError[];
}

export type Checked<T> = Result<T, CheckFailure>;

export function refused(code: CheckFailure['code'], errors: readonly FieldError[]): { ok: false; error: CheckFailure } {
  return { ok: false, error: { code, errors } };
}
