// Verifies the tenant's hash chain inside its log, in pages, so memory stays flat and one request
// does bounded work: it stops after `budget` events and answers `next` to continue from.
import { ChainVerifier } from '../domain/chain-verifier';
import { GENESIS_HASH, type ChainBreak } from '../domain/events';
import { ERASED_EVENT, PERSONAL_FIELDS, redactionsOf } from '../domain/personal-data';
import { rowToEvent } from './event-store';

export const VERIFY_PAGE = 5_000;
export const VERIFY_BUDGET = 50_000;

export type VerifyOutcome =
  | { readonly ok: true; readonly head: number; readonly from: number; readonly verified: number; readonly hash: string; readonly next: number | null }
  | { readonly ok: false; readonly head: number; readonly from: number; readonly verified: number; readonly firstBreak: ChainBreak };

export class ChainAuditor {
  constructor(
    private readonly sql: SqlStorage,
    /** The head the log believes it has: a missing tail is a break, not a shorter log. */
    private readonly headSeq: () => number,
  ) {}

  /** Checks events from `from` on, at most `budget` of them, yielding to other requests between pages. */
  async verify(from: number, budget: number): Promise<VerifyOutcome> {
    const head = this.headSeq();
    const start = this.startAt(from);
    if ('reason' in start) return { ok: false, head, from, verified: start.seq - 1, firstBreak: start };
    let at = start;
    const last = Math.min(head, from - 1 + budget);
    // Redacted data is accepted only where a chained erasure record vouches for its new hash.
    const verifier = new ChainVerifier(start, this.vouched());
    while (at.seq < last) {
      const page = this.sql.exec('SELECT * FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?', at.seq, last, VERIFY_PAGE).toArray().map(rowToEvent);
      const missing = { seq: at.seq + 1, reason: `missing: the log's head is ${head}` };
      let checked: ChainBreak | null = page.length === 0 ? missing : null;
      for (const event of page) if (!checked) checked = verifier.push(event);
      checked ??= verifier.finish();
      if (checked) return { ok: false, head, from, verified: checked.seq - 1, firstBreak: checked };
      at = verifier.head;
      // Let the requests that arrived meanwhile run: the pages already read are not re-read.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return { ok: true, head, from, verified: at.seq, hash: at.hash, next: at.seq < head ? at.seq + 1 : null };
  }

  // What the erasure records in the log vouch for: seq → the hash of the redacted data (the latest wins).
  private vouched(): Map<number, string> {
    const vouched = new Map<number, string>();
    const types = Object.keys(PERSONAL_FIELDS).map((noun) => `${noun}.${ERASED_EVENT}`);
    const marks = types.map(() => '?').join(', ');
    for (const row of this.sql.exec(`SELECT data FROM events WHERE type IN (${marks}) ORDER BY seq`, ...types)) {
      const data = JSON.parse(String(row['data'])) as Record<string, unknown>;
      for (const { seq, datahash } of redactionsOf(data) ?? []) vouched.set(seq, datahash);
    }
    return vouched;
  }

  // The chain continues from the stored hash of the event before `from` (from the genesis at 1).
  private startAt(from: number): { seq: number; hash: string } | ChainBreak {
    if (from <= 1) return { seq: 0, hash: GENESIS_HASH };
    const row = this.sql.exec('SELECT hash FROM events WHERE seq = ?', from - 1).toArray()[0];
    return row ? { seq: from - 1, hash: String(row['hash']) } : { seq: from - 1, reason: `expected seq ${from - 1}, found none` };
  }
}
