// First answers to writes that carried an Idempotency-Key, kept 24 hours. The answer is stored in the
// same transaction as the write it answers, so a retry can never see the write without its answer.
import { failure, type Idempotency, type Result } from './protocol';

const TTL_MS = 24 * 60 * 60 * 1000;

export type Recall<T> = { readonly kind: 'new' } | { readonly kind: 'replay'; readonly answer: Result<T> } | { readonly kind: 'mismatch' };

export class IdempotencyStore {
  private readonly sql: SqlStorage;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
  }

  /**
   * Runs a write under its Idempotency-Key, if it has one: replays the first answer, refuses the key
   * for another request, or runs the write and remembers its answer in the same transaction.
   */
  once<T>(principal: string, idempotency: Idempotency | undefined, nowMs: number, write: () => Result<T>): Result<T> {
    if (!idempotency) return write();
    const { key, fingerprint } = idempotency;
    const recalled = this.recall<T>(principal, key, fingerprint, nowMs);
    if (recalled.kind === 'replay') return recalled.answer;
    if (recalled.kind === 'mismatch') return failure('idempotency_mismatch', 'this Idempotency-Key was used for another request');
    return this.storage.transactionSync(() => {
      const answer = write();
      this.remember(principal, key, fingerprint, answer, nowMs);
      return answer;
    });
  }

  recall<T>(principal: string, key: string, fingerprint: string, nowMs: number): Recall<T> {
    const row = this.sql.exec('SELECT fingerprint, answer, created_at FROM idempotency WHERE principal = ? AND key = ?', principal, key).toArray()[0];
    if (!row || Number(row['created_at']) < nowMs - TTL_MS) return { kind: 'new' };
    if (row['fingerprint'] !== fingerprint) return { kind: 'mismatch' };
    return { kind: 'replay', answer: JSON.parse(String(row['answer'])) as Result<T> };
  }

  remember(principal: string, key: string, fingerprint: string, answer: Result<unknown>, nowMs: number): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO idempotency (principal, key, fingerprint, answer, created_at) VALUES (?, ?, ?, ?, ?)',
      principal, key, fingerprint, JSON.stringify(answer), nowMs,
    );
    this.sql.exec('DELETE FROM idempotency WHERE created_at < ?', nowMs - TTL_MS);
  }
}
