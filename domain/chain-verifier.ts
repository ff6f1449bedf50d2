// A streaming chain verifier, the one the Durable Object, the import and the offline CLI share. Each
// event must continue the chain (seq, prevhash, hash over the envelope with its datahash); its data must
// hash to that datahash, or else to the datahash a later, chained erasure record gives for its seq. Data
// that differs without such a record is a break: nothing in the data itself is trusted.
import { canonicalJson } from './canonical';
import { GENESIS_HASH, sha256Hex, chainInput, type ChainBreak, type StoredEvent } from './events';
import type { ScannedLine } from './export-line';
import { isErasureEvent, redactionsOf } from './personal-data';

// The default hash takes text; bytes (only the CLI's scan of a file gives them, and it passes Node's own hash)
// are the UTF-8 they hold.
const utf8 = new TextDecoder();
const hashText = (input: string | Uint8Array): string =>
  sha256Hex(typeof input === 'string' ? input : utf8.decode(input));

export class ChainVerifier {
  private seq: number;
  private hash: string;
  /** Redacted events seen so far: seq → the hash of their data now. */
  private readonly pending = new Map<number, string>();
  /** What erasure records vouch for: seq → the hash of the redacted data (the latest record wins). */
  private readonly vouched: Map<number, string>;

  /**
   * `sha256` may be a faster one-shot hash where the runtime has one (Node's crypto.hash, in the CLI); it hashes
   * text as its UTF-8 bytes, and bytes (a scanned line's, cli/scan-bytes.ts) as they are.
   */
  constructor(
    start: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
    vouched?: Map<number, string>,
    private readonly sha256: (input: string | Uint8Array) => string = hashText,
  ) {
    this.seq = start.seq;
    this.hash = start.hash;
    this.vouched = vouched ?? new Map();
  }

  get head(): { seq: number; hash: string } {
    return { seq: this.seq, hash: this.hash };
  }

  /**
   * Checks the next event; a break (the earliest known, redactions included) or null. `rawData`, the
   * data's text as it came (an export line's tail), is hashed as is when it is the canonical text,
   * which saves re-serializing it; anything else falls back to the canonical JSON of `event.data`.
   */
  push(event: StoredEvent, rawData?: string): ChainBreak | null {
    const found = this.step(event, rawData);
    return found ? this.earliest(found) : null;
  }

  /** Checks the next event alone (redactions left for later: see settlement); moves the head when it holds. */
  step(event: StoredEvent, rawData?: string): ChainBreak | null {
    const found = this.check(event, rawData);
    if (found) return found;
    this.seq = event.seq;
    this.hash = event.hash;
    return null;
  }

  /**
   * The fast path for a scanned export line: true when it continues the chain with both hashes as they
   * stand (the head moves); false when anything differs, or it is an erasure record, and the caller must
   * push the parsed event, whose check gives the verdict and the reason.
   */
  accepts(line: ScannedLine): boolean {
    if (line.seq !== this.seq + 1 || isErasureEvent(line.type)) return false;
    const hash = this.sha256(line.chainText);
    if (!line.matches(this.hash, hash, this.sha256(line.rawData))) return false;
    this.seq = line.seq;
    this.hash = hash;
    return true;
  }

  /** What a part of a log verified in parallel leaves to settle: redacted events seen, and vouches made. */
  settlement(): { pending: [number, string][]; vouched: [number, string][] } {
    return { pending: [...this.pending], vouched: [...this.vouched] };
  }

  /** Settles the redactions: each must be vouched for by an erasure record naming its seq and new datahash. */
  finish(): ChainBreak | null {
    return this.earliest(null);
  }

  private check(event: StoredEvent, rawData: string | undefined): ChainBreak | null {
    if (event.seq !== this.seq + 1)
      return { seq: this.seq + 1, reason: `expected seq ${this.seq + 1}, found ${event.seq}` };
    if (event.prevHash !== this.hash) return { seq: event.seq, reason: 'prevhash does not match the previous hash' };
    if (this.sha256(chainInput(event)) !== event.hash)
      return { seq: event.seq, reason: 'hash does not match the event' };
    const raw = rawData === undefined ? undefined : this.sha256(rawData);
    const actual = raw === event.dataHash ? raw : this.sha256(canonicalJson(event.data));
    if (actual !== event.dataHash) this.pending.set(event.seq, actual);
    if (isErasureEvent(event.type)) {
      const redactions = redactionsOf(event.data);
      if (!redactions) return { seq: event.seq, reason: 'an erasure record without its list of redactions' };
      for (const { seq, datahash } of redactions) {
        if (seq >= event.seq)
          return { seq: event.seq, reason: `an erasure record may only name earlier events, not ${seq}` };
        this.vouched.set(seq, datahash);
      }
    }
    return null;
  }

  private earliest(found: ChainBreak | null): ChainBreak | null {
    let first = found;
    for (const [seq, actual] of this.pending) {
      if (this.vouched.get(seq) === actual) continue;
      if (!first || seq < first.seq) first = { seq, reason: 'data does not match datahash' };
    }
    return first;
  }
}
