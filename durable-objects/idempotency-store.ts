// First answers to writes that carried an Idempotency-Key, kept 24 hours. The answer is stored in the
// unit of work of the write it answers, so a retry can never see the write without its answer.
// A success is kept by reference (the ids and seqs it answered) and re-rendered from the log on
// replay, so its size does not grow with the entities it shows; a refusal is kept as it is (small).
// A record that would still be too large is refused before the unit commits (docs/write-path.md).
import { failure, type Idempotency, type Result } from '../shared/protocol';
import type { Transactions } from './unit-of-work';

const TTL_MS = 24 * 60 * 60 * 1000;
/** Far below SQLite's 2 MB a value in a Durable Object: 1,000 batch results by reference take ~100 KB. */
export const MAX_RECORD_CHARS = 512 * 1024;

/** A write's answer and what to keep of it: for a success, a reference the writer can render again. */
export interface Answer<T> {
  readonly result: Result<T>;
  readonly kept?: unknown;
}

/** Renders a kept success again, as it was first answered. */
export type Replay<T> = (kept: unknown) => T;

/** Thrown inside the unit of work when its answer cannot be kept: the whole write rolls back. */
export class AnswerTooLarge extends Error {}

type Recall<T> =
  | { readonly kind: 'new' }
  | { readonly kind: 'replay'; readonly answer: Result<T> }
  | { readonly kind: 'mismatch' };

export class IdempotencyStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly tx: Transactions,
  ) {}

  /**
   * Runs a write under its Idempotency-Key, if it has one: replays the first answer, refuses the key
   * for another request, or runs the write and remembers its answer. Call inside the unit of work.
   */
  once<T>(
    principal: string,
    idempotency: Idempotency | undefined,
    nowMs: number,
    replay: Replay<T>,
    write: () => Answer<T>,
  ): Result<T> {
    if (!idempotency) return write().result;
    this.tx.require();
    const { key, fingerprint } = idempotency;
    const recalled = this.recall(principal, key, fingerprint, nowMs, replay);
    if (recalled.kind === 'replay') return recalled.answer;
    if (recalled.kind === 'mismatch')
      return failure('idempotency_mismatch', 'this Idempotency-Key was used for another request');
    const answer = write();
    this.remember(principal, key, fingerprint, answer, nowMs);
    return answer.result;
  }

  private recall<T>(principal: string, key: string, fingerprint: string, nowMs: number, replay: Replay<T>): Recall<T> {
    const row = this.sql
      .exec('SELECT fingerprint, answer, created_at FROM idempotency WHERE principal = ? AND key = ?', principal, key)
      .toArray()[0];
    if (!row || Number(row['created_at']) < nowMs - TTL_MS) return { kind: 'new' };
    if (row['fingerprint'] !== fingerprint) return { kind: 'mismatch' };
    const record = JSON.parse(String(row['answer'])) as {
      v?: number;
      ok: boolean;
      kept?: unknown;
      error?: unknown;
      value?: unknown;
    };
    // Rows written before answers were kept by reference hold the whole answer.
    if (record.v !== 2) return { kind: 'replay', answer: record as Result<T> };
    return {
      kind: 'replay',
      answer: record.ok ? { ok: true, value: replay(record.kept) } : (record as unknown as Result<T>),
    };
  }

  private remember(principal: string, key: string, fingerprint: string, answer: Answer<unknown>, nowMs: number): void {
    const { result } = answer;
    const record = JSON.stringify(
      result.ok ? { v: 2, ok: true, kept: answer.kept } : { v: 2, ok: false, error: result.error },
    );
    if (record.length > MAX_RECORD_CHARS) throw new AnswerTooLarge(`the answer to keep is ${record.length} characters`);
    this.sql.exec(
      'INSERT OR REPLACE INTO idempotency (principal, key, fingerprint, answer, created_at) VALUES (?, ?, ?, ?, ?)',
      principal,
      key,
      fingerprint,
      record,
      nowMs,
    );
    this.sql.exec('DELETE FROM idempotency WHERE created_at < ?', nowMs - TTL_MS);
  }
}

/** Runs a unit of work; an answer too large to keep under its key is refused and nothing was written. */
export function refusingTooLarge<T>(unit: () => Result<T>): Result<T> {
  try {
    return unit();
  } catch (error) {
    if (!(error instanceof AnswerTooLarge)) throw error;
    return failure(
      'payload_too_large',
      'this answer is too large to keep under an Idempotency-Key; nothing was written: ' +
        'send fewer operations, or no key',
    );
  }
}
