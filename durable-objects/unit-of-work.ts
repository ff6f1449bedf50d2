// One unit of work per request: the only place that opens a SQLite transaction for a write. Whatever
// the request writes commits together or not at all, and memory follows disk: every in-memory mirror
// of stored state (the head, the entity cache, cached settings) joins here and is told when the
// outermost transaction commits or rolls back. Inner code never opens a transaction of its own.
// docs/write-path.md says why.

/** Something in memory that mirrors SQLite. */
export interface MemoryMirror {
  /** The outermost transaction committed: make what was staged current. */
  committed(): void;
  /** The outermost transaction rolled back: forget everything staged (re-read from SQLite). */
  rolledBack(): void;
  /** What to go back to if a part fails (see Transactions.part); undefined if nothing. */
  mark?(): unknown;
  /** A part rolled back: go back to the mark, forgetting what may have come from the part. */
  restore?(mark: unknown): void;
}

export class Transactions {
  private depth = 0;
  private readonly mirrors: MemoryMirror[] = [];

  constructor(private readonly storage: DurableObjectStorage) {}

  join(mirror: MemoryMirror): void {
    this.mirrors.push(mirror);
  }

  get open(): boolean {
    return this.depth > 0;
  }

  /** Runs `body` as the request's one transaction: commits if it returns, rolls back if it throws. */
  run<T>(body: () => T): T {
    if (this.depth > 0) throw new Error('a unit of work is open already: inner code must not open its own');
    this.depth = 1;
    let result: T;
    try {
      result = this.storage.transactionSync(body);
    } catch (error) {
      this.depth = 0;
      for (const mirror of this.mirrors) mirror.rolledBack();
      throw error;
    }
    this.depth = 0;
    for (const mirror of this.mirrors) mirror.committed();
    return result;
  }

  /**
   * A part of the open unit of work that may fail alone (one operation of an independent batch, a
   * command whose refusal is remembered under its Idempotency-Key): if `body` throws, its writes roll
   * back (a savepoint), memory goes back to where it was, and the error propagates. Nothing commits here.
   */
  part<T>(body: () => T): T {
    this.require();
    const marks = this.mirrors.map((mirror) => mirror.mark?.());
    this.depth += 1;
    try {
      return this.storage.transactionSync(body);
    } catch (error) {
      for (const [i, mirror] of this.mirrors.entries()) mirror.restore?.(marks[i]);
      throw error;
    } finally {
      this.depth -= 1;
    }
  }

  /** Throws unless a unit of work is open: for code that writes and must not commit on its own. */
  require(): void {
    if (this.depth === 0) throw new Error('a write outside a unit of work');
  }
}
