// Events: what decide emits (DomainEvent), what the log stores (StoredEvent), and how the stored
// form is chained. `hash` = SHA-256 hex of prevHash + the canonical envelope, whose `datahash` stands
// for the data. Verification trusts nothing in the data: the hashes cover what is stored, so erasure
// cannot be a marker in the data; a redaction passes only where a chained erasure record vouches for
// it (domain/chain-verifier.ts).
import { canonicalJson } from './canonical';
import { sha256Hex } from './sha256';
import type { EventData } from './event-types';

/** A fact decided by the domain, before the log gives it a position. */
export interface DomainEvent {
  /** `Noun.Verbed`, e.g. `Contact.Qualified`. */
  readonly type: string;
  readonly entityType: string;
  readonly entityId: string;
  /** Read through the accessors of domain/event-types.ts (`changesOf`, `setBy`, …), never cast. */
  readonly data: EventData;
}

/** An appended event: gapless per-tenant seq, ULID id, chained hash. */
export interface StoredEvent extends DomainEvent {
  readonly seq: number;
  readonly id: string;
  readonly time: string;
  readonly entityVersion: number;
  readonly actor: string;
  readonly causationId: string | null;
  readonly correlationId: string | null;
  readonly dataHash: string;
  readonly prevHash: string;
  readonly hash: string;
}

export type Unchained = Omit<StoredEvent, 'dataHash' | 'prevHash' | 'hash'>;

/** The hash of the (empty) chain before the first event. */
export const GENESIS_HASH = '0'.repeat(64);

// In plain JavaScript (domain/sha256.ts): in workerd it is about twice as fast as node:crypto's createHash
// on these short texts. (Node's one-shot crypto.hash is faster still in Node: the CLI passes it to
// ChainVerifier itself.)
export { sha256Hex };

export function dataHashOf(data: Readonly<Record<string, unknown>>): string {
  return sha256Hex(canonicalJson(data));
}

/**
 * The exact text hashed for one event: prevHash, then the canonical JSON of the envelope
 * {actor, causationid, correlationid, datahash, entityid, entitytype, entityversion, id, seq, time, type}
 * (keys in that sorted order, nulls kept). Written out by hand because it runs for every event verified.
 */
export function chainInput(event: Omit<StoredEvent, 'hash' | 'data'>): string {
  const q = JSON.stringify;
  return (
    `${event.prevHash}{"actor":${q(event.actor)},"causationid":${q(event.causationId)},` +
    `"correlationid":${q(event.correlationId)},` +
    `"datahash":${q(event.dataHash)},"entityid":${q(event.entityId)},"entitytype":${q(event.entityType)},` +
    `"entityversion":${q(event.entityVersion)},"id":${q(event.id)},"seq":${q(event.seq)},` +
    `"time":${q(event.time)},"type":${q(event.type)}}`
  );
}

export function chain(event: Unchained, prevHash: string): StoredEvent {
  const dataHash = dataHashOf(event.data);
  const hash = sha256Hex(chainInput({ ...event, dataHash, prevHash }));
  return { ...event, dataHash, prevHash, hash };
}

export type ChainBreak = { readonly seq: number; readonly reason: string };

/** Verifies a run of events continues a chain; returns the first break, if any. */
export function verifyChain(
  events: Iterable<StoredEvent>,
  start: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
): ChainBreak | { seq: number; hash: string } {
  let { seq, hash } = start;
  for (const event of events) {
    if (event.seq !== seq + 1) return { seq: seq + 1, reason: `expected seq ${seq + 1}, found ${event.seq}` };
    if (event.prevHash !== hash) return { seq: event.seq, reason: 'prevhash does not match the previous hash' };
    if (dataHashOf(event.data) !== event.dataHash) return { seq: event.seq, reason: 'data does not match datahash' };
    if (sha256Hex(chainInput(event)) !== event.hash) return { seq: event.seq, reason: 'hash does not match the event' };
    seq = event.seq;
    hash = event.hash;
  }
  return { seq, hash };
}
