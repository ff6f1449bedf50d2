// Offline verify and replay of an export file with the domain's own code: the ChainVerifier the server
// uses, and evolve. Nothing here talks to a server.
import { createPublicKey, hash, verify as verifySignature } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ChainVerifier } from '../domain/chain-verifier';
import { signedText, type Checkpoint as SignedCheckpoint } from '../domain/checkpoint';
import type { Entity } from '../domain/entity';
import { evolve } from '../domain/evolve';
import { parseExportLine, rawDataOf, scanExportLine } from '../domain/export-line';
import type { StoredEvent } from '../domain/events';
import { chunksOf } from './lines';
import { verifyParallel } from './parallel-verify';
import { scanExportBytes } from './scan-bytes';

/** The public half of an Ed25519 key, as /audit/keys publishes it. */
export interface Jwk {
  readonly kty?: string;
  readonly crv?: string;
  readonly x?: string;
  readonly kid?: string;
}

// Node's one-shot hash is about twice as fast as createHash on short inputs; the result is the same.
const sha256 = (input: string | Uint8Array) => hash('sha256', input, 'hex');

/** A checkpoint as `crm checkpoint` saves it: the server's, with the public key beside it. */
export interface Checkpoint extends SignedCheckpoint {
  readonly publicKey?: Jwk;
}

export type Outcome =
  | {
      readonly ok: true;
      readonly events: number;
      readonly head: { seq: number; hash: string };
      readonly state: Map<string, Entity>;
      readonly notes: string[];
    }
  | { readonly ok: false; readonly seq: number; readonly reason: string; readonly events: number };

export interface ReadOptions {
  /** Stops after the last event this accepts (replay --until). */
  readonly until?: (event: { readonly seq: number; readonly time: string }) => boolean;
  readonly checkpoint?: Checkpoint;
  readonly keys?: readonly Jwk[];
  readonly onProgress?: (bytes: number, events: number) => void;
  /** False checks the chain only (the bench's verify-only figure); the state stays empty. */
  readonly fold?: boolean;
  /** Worker threads that check the chain in parallel, by byte ranges (cli/parallel-verify.ts); 1: none. */
  readonly threads?: number;
}

/** Verifies the chain and folds every event (up to `until`); the first break names its seq and reason. */
export async function readExport(path: string, options: ReadOptions = {}): Promise<Outcome> {
  const verifier = new ChainVerifier(undefined, undefined, sha256);
  const state = new Map<string, Entity>();
  const notes: string[] = [];
  const cp = options.checkpoint;
  const fold = options.fold ?? true;
  // In parallel, the workers check the chain while this thread folds (and finds the checkpoint's event).
  const parallel = (options.threads ?? 1) > 1 && !options.until ? verifyParallel(path, options.threads!) : undefined;
  parallel?.catch(() => undefined);
  let events = 0;
  let lastSeq = 0;
  let bytes = 0;
  let cpSeen = false;
  if (parallel && !fold && !cp) {
    const chained = await parallel;
    return 'reason' in chained
      ? { ok: false, ...chained, events: 0 }
      : { ok: true, events: chained.events, head: chained.head, state, notes };
  }
  reading: for await (const { chunk, utf8 } of chunksOf(path, (b) => (bytes = b))) {
    for (let from = 0; from < chunk.length; ) {
      const start = from;
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.length : newline;
      from = end + 1;
      if (end === start) continue;
      // The fast path scans the line's bytes (its text where they are not UTF-8, or hold escapes) and hashes
      // the raw texts; anything else goes through the parsed path, which alone gives a verdict and its reason.
      // In parallel the workers check the chain.
      let line: string | undefined;
      let scanned = utf8 ? scanExportBytes(chunk, start, end) : undefined;
      if (!scanned) {
        line = chunk.toString('utf8', start, end);
        if (line.trim() === '') continue;
        scanned = scanExportLine(line);
      }
      if (scanned && options.until && !options.until(scanned)) break reading;
      let parsed: StoredEvent | undefined;
      if (!scanned || (!parallel && !verifier.accepts(scanned))) {
        line ??= chunk.toString('utf8', start, end);
        const event = parseExportLine(line);
        if ('reason' in event)
          return { ok: false, seq: lastSeq + 1, reason: `line ${events + 1}: ${event.reason}`, events };
        if (options.until && !options.until(event)) break reading;
        const broken = parallel ? null : verifier.push(event, rawDataOf(line));
        if (broken) return { ok: false, ...broken, events };
        parsed = event;
      }
      const seq = parsed ? parsed.seq : scanned!.seq;
      if (cp && seq === cp.seq) {
        if ((parsed ? parsed.hash : scanned!.hash) !== cp.hash)
          return {
            ok: false,
            seq,
            reason: `the checkpoint's hash at seq ${cp.seq} differs: the log was rewritten`,
            events,
          };
        cpSeen = true;
      }
      if (fold) {
        const event = parsed ?? scanned!.event();
        state.set(event.entityId, evolve(state.get(event.entityId), event));
      }
      lastSeq = seq;
      events++;
    }
    options.onProgress?.(bytes, events);
  }
  let chainHead = verifier.head;
  if (parallel) {
    const chained = await parallel;
    if ('reason' in chained) return { ok: false, ...chained, events };
    chainHead = chained.head;
  }
  const unsettled = parallel ? null : verifier.finish();
  if (unsettled) return { ok: false, ...unsettled, events };
  if (cp && !cpSeen && !options.until) {
    const head = chainHead.seq;
    return {
      ok: false,
      seq: head + 1,
      reason: `the file ends at seq ${head}, before the checkpoint's seq ${cp.seq}: it was truncated`,
      events,
    };
  }
  if (cp) notes.push(checkSignature(cp, options.keys));
  return { ok: true, events, head: chainHead, state, notes };
}

// The checkpoint's signature, with a key from --keys or the one `crm checkpoint` saved beside it.
function checkSignature(cp: Checkpoint, keys: readonly Jwk[] = []): string {
  const jwk = keys.find((k) => k.kid === cp.keyId) ?? (cp.publicKey?.kid === cp.keyId ? cp.publicKey : undefined);
  if (!jwk) return `checkpoint seq ${cp.seq} matches; its signature was not checked (no public key ${cp.keyId})`;
  const text = signedText(cp);
  const key = createPublicKey({ key: { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x! }, format: 'jwk' });
  const good = verifySignature(null, Buffer.from(text), key, Buffer.from(cp.signature, 'base64url'));
  if (!good) throw new SignatureError(`the checkpoint's signature does not verify with key ${cp.keyId}`);
  return `checkpoint seq ${cp.seq} matches and its signature verifies (key ${cp.keyId})`;
}

export class SignatureError extends Error {}

export function readCheckpoint(path: string): Checkpoint {
  const cp = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
  if (!Number.isInteger(cp.seq) || typeof cp.hash !== 'string' || typeof cp.signature !== 'string')
    throw new Error(`${path} is not a checkpoint`);
  return cp;
}

/** Live and total entities per noun. */
export function census(state: Map<string, Entity>): Record<string, { total: number; live: number }> {
  const out: Record<string, { total: number; live: number }> = {};
  for (const entity of state.values()) {
    const row = (out[entity.type] ??= { total: 0, live: 0 });
    row.total++;
    if (!entity.deletedAt && !entity.mergedInto) row.live++;
  }
  return out;
}
