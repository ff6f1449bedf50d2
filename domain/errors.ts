// Typed domain errors: decide throws only these. The HTTP edge maps each code to a status and a
// problem type in one table (workers/problems.ts).

export type DomainErrorCode =
  | 'not_found' // no such entity
  | 'gone' // deleted
  | 'merged' // merged into another entity; writes refused
  | 'duplicate' // a unique field's value is taken
  | 'invalid_transition' // the stage machine refuses the move
  | 'invalid_merge' // a merge source is the target itself or was deleted
  | 'cycle' // a self-reference would make a loop
  | 'version_mismatch' // If-Match did not match
  | 'invalid_reference' // a reference points at nothing live of the right noun
  | 'invalid' // a value is not acceptable in this state
  | 'hook_rejected'; // a before-hook threw

export interface DomainErrorDetail {
  readonly code: DomainErrorCode;
  readonly message: string;
  readonly errors?: readonly { readonly path: string; readonly message: string }[];
  /** Extra members for the problem body (e.g. existingId, allowed). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export class DomainError extends Error {
  readonly detail: DomainErrorDetail;
  constructor(detail: DomainErrorDetail) {
    super(detail.message);
    this.name = 'DomainError';
    this.detail = detail;
  }
}

export function fail(
  code: DomainErrorCode,
  message: string,
  more: Omit<DomainErrorDetail, 'code' | 'message'> = {},
): never {
  throw new DomainError({ code, message, ...more });
}
