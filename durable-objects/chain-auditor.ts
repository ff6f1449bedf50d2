// Verifies the tenant's log inside its object, in pages, so memory stays flat and one request does
// bounded work: the hash chain, then the stored state against a fold of the log (state-auditor.ts,
// state-sweep.ts).
// A request stops after `budget` events and answers `next` to continue from; the request that reaches
// the head goes on to sweep the state tables, at most `budget` rows, and answers `sweep` if unfinished.
import { ChainVerifier } from '../domain/chain-verifier';
import { GENESIS_HASH, type ChainBreak, type StoredEvent } from '../domain/events';
import { ERASED_EVENT, PERSONAL_FIELDS, redactionsOf } from '../domain/personal-data';
import { parseEventData, rowToEvent } from './event-store';
import { ERASURE_RECORDS } from './schema';
import { failure, ok, type Result } from '../shared/protocol';
import { StateAuditor, type Mismatch } from './state-auditor';
import { decodeSweep, encodeSweep, StateSweep, SWEEP_PAGE, SWEEP_START, type SweepPosition } from './state-sweep';

export const VERIFY_PAGE = 5_000;
export const VERIFY_BUDGET = 50_000;

export interface VerifyQuery {
  readonly from: number;
  readonly budget: number;
  /** A `sweep` cursor an earlier answer gave: continue the row sweep (the chain is done). */
  readonly sweep?: string;
}

type Where = { readonly head: number; readonly from: number; readonly verified: number };

export type VerifyOutcome =
  | (Where & { readonly ok: true; readonly hash: string; readonly next: number | null; readonly sweep?: string })
  | (Where & { readonly ok: false; readonly firstBreak: ChainBreak })
  | (Where & { readonly ok: false; readonly firstMismatch: Mismatch });

// Stored rows as events, up to the first whose data is not JSON: that is a break at its seq (once the
// events before it chain), not a crash of the audit.
function readEvents(rows: Record<string, SqlStorageValue>[]): { events: StoredEvent[]; unreadable?: ChainBreak } {
  const events: StoredEvent[] = [];
  for (const row of rows) {
    try {
      events.push(rowToEvent(row));
    } catch {
      return { events, unreadable: { seq: Number(row['seq']), reason: 'data is not JSON' } };
    }
  }
  return { events };
}

const yieldToOthers = () => new Promise((resolve) => setTimeout(resolve, 0));

export class ChainAuditor {
  private readonly state: StateAuditor;
  private readonly sweep: StateSweep;

  constructor(
    private readonly sql: SqlStorage,
    /** The head the log believes it has: a missing tail is a break, not a shorter log. */
    private readonly headSeq: () => number,
  ) {
    this.state = new StateAuditor(sql);
    this.sweep = new StateSweep(sql);
  }

  /** Checks a query's parameters against the log, then verifies. */
  async run(query: VerifyQuery): Promise<Result<VerifyOutcome>> {
    const head = this.headSeq();
    if (query.from > head + 1)
      return failure('bad_request', `from ${query.from} is past the head ${head}`, {
        errors: [{ path: '?from', message: 'past the head' }],
      });
    if (query.sweep === undefined) return ok(await this.verify(query.from, query.budget));
    const position = decodeSweep(query.sweep);
    if (!position)
      return failure('bad_request', 'sweep is not a cursor this API gave out', {
        errors: [{ path: '?sweep', message: 'invalid' }],
      });
    return ok(await this.verify(head + 1, query.budget, position));
  }

  /** Checks events from `from` on, at most `budget` of them, yielding to other requests between pages. */
  async verify(from: number, budget: number, sweepFrom: SweepPosition = SWEEP_START): Promise<VerifyOutcome> {
    const head = this.headSeq();
    const start = this.startAt(from);
    if ('reason' in start) return { ok: false, head, from, verified: start.seq - 1, firstBreak: start };
    let at = start;
    const last = Math.min(head, from - 1 + budget);
    // Redacted data is accepted only where a chained erasure record vouches for its new hash.
    const verifier = new ChainVerifier(start, this.vouched());
    while (at.seq < last) {
      const rows = this.sql
        .exec('SELECT * FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?', at.seq, last, VERIFY_PAGE)
        .toArray();
      const { events: page, unreadable } = readEvents(rows);
      const chained = page.length
        ? verifyPage(verifier, page)
        : (unreadable ?? { seq: at.seq + 1, reason: `missing: the log's head is ${head}` });
      const checked = 'reason' in chained ? chained : (unreadable ?? chained);
      if ('reason' in checked) return { ok: false, head, from, verified: checked.seq - 1, firstBreak: checked };
      // The entities whose latest event is in this page, each against a fold of its own events.
      const { mismatch } = this.state.checkPage(page);
      if (mismatch) return { ok: false, head, from, verified: checked.seq, firstMismatch: mismatch };
      at = checked;
      // Let the requests that arrived meanwhile run: the pages already read are not re-read.
      await yieldToOthers();
    }
    if (at.seq < head) return { ok: true, head, from, verified: at.seq, hash: at.hash, next: at.seq + 1 };
    // The chain reached the head: every stored row must be implied by an entity's state.
    let position: SweepPosition | null = sweepFrom;
    for (let swept = 0; position && swept < budget; ) {
      const step = this.sweep.page(position, Math.min(SWEEP_PAGE, budget - swept));
      if (step.mismatch) return { ok: false, head, from, verified: at.seq, firstMismatch: step.mismatch };
      swept += step.checked;
      position = step.next;
      await yieldToOthers();
    }
    return {
      ok: true,
      head,
      from,
      verified: at.seq,
      hash: at.hash,
      next: null,
      ...(position ? { sweep: encodeSweep(position) } : {}),
    };
  }

  // What the erasure records in the log vouch for: seq → the hash of the redacted data (the latest wins).
  private vouched(): Map<number, string> {
    const vouched = new Map<number, string>();
    const types = Object.keys(PERSONAL_FIELDS).map((noun) => `${noun}.${ERASED_EVENT}`);
    const marks = types.map(() => '?').join(', ');
    const query = `SELECT data FROM events WHERE ${ERASURE_RECORDS} AND type IN (${marks}) ORDER BY seq`;
    for (const row of this.sql.exec(query, ...types)) {
      const data = parseEventData(row['data']);
      for (const { seq, datahash } of redactionsOf(data) ?? []) vouched.set(seq, datahash);
    }
    return vouched;
  }

  // The chain continues from the stored hash of the event before `from` (from the genesis at 1).
  private startAt(from: number): { seq: number; hash: string } | ChainBreak {
    if (from <= 1) return { seq: 0, hash: GENESIS_HASH };
    const row = this.sql.exec('SELECT hash FROM events WHERE seq = ?', from - 1).toArray()[0];
    return row
      ? { seq: from - 1, hash: String(row['hash']) }
      : { seq: from - 1, reason: `expected seq ${from - 1}, found none` };
  }
}

// The shared streaming verifier over one page: the first break (redactions settled against the erasure
// records read up front), or the head the page reaches.
function verifyPage(verifier: ChainVerifier, page: readonly StoredEvent[]): ChainBreak | { seq: number; hash: string } {
  for (const event of page) {
    const found = verifier.push(event);
    if (found) return found;
  }
  return verifier.finish() ?? verifier.head;
}
