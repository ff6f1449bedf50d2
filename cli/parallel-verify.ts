// The hash chain of a large export checked by worker threads, each over one byte range of the file: every
// event's hashes are independent of the others' given its stored prevhash, so each range is checked on its
// own, and the main thread then checks the seams (seq and prevhash from range to range) and settles the
// redactions across ranges (a redaction and the erasure record vouching for it may lie in different ones).
import { isUtf8 } from 'node:buffer';
import { hash } from 'node:crypto';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ChainVerifier } from '../domain/chain-verifier';
import { GENESIS_HASH, type ChainBreak } from '../domain/events';
import { parseExportLine, rawDataOf, scanExportLine } from '../domain/export-line';
import { scanExportBytes } from './scan-bytes';

const sha256 = (input: string | Uint8Array) => hash('sha256', input, 'hex');
const BLOCK = 1 << 20;

interface RangeResult {
  readonly first?: { seq: number; prevHash: string };
  readonly last?: { seq: number; hash: string };
  readonly count: number;
  /** The first break inside the range; `afterSeq` places a line that is not an event. */
  readonly broken?: ChainBreak | { afterSeq: number | null; reason: string };
  readonly pending: [number, string][];
  readonly vouched: [number, string][];
}

/**
 * Calls `each` with every line that starts in [start, end) of the file: its bytes `[from, to)` in `bytes`, and
 * whether the block they came in is valid UTF-8 (then the line's bytes are exactly what its text encodes to).
 */
function forLines(
  path: string,
  start: number,
  end: number,
  each: (bytes: Buffer, from: number, to: number, utf8: boolean) => boolean,
): void {
  const fd = openSync(path, 'r');
  try {
    let at = Math.max(0, start - 1);
    let skip = start > 0; // the line that began before `start` belongs to the range before
    let carry = Buffer.alloc(0);
    let lineStart = at;
    const block = Buffer.allocUnsafe(BLOCK);
    for (;;) {
      const read = readSync(fd, block, 0, BLOCK, at);
      const chunk = carry.length ? Buffer.concat([carry, block.subarray(0, read)]) : block.subarray(0, read);
      const utf8 = isUtf8(chunk.subarray(0, chunk.lastIndexOf(10) + 1));
      let from = 0;
      for (let nl = chunk.indexOf(10, from); nl !== -1; nl = chunk.indexOf(10, from)) {
        if (!skip) {
          if (lineStart >= end) return;
          if (!each(chunk, from, nl, utf8)) return;
        }
        skip = false;
        lineStart += nl + 1 - from;
        from = nl + 1;
      }
      at += read;
      carry = Buffer.from(chunk.subarray(from));
      if (read === 0) {
        if (carry.length && !skip && lineStart < end) each(carry, 0, carry.length, isUtf8(carry));
        return;
      }
    }
  } finally {
    closeSync(fd);
  }
}

function verifyRange(path: string, start: number, end: number): RangeResult {
  let verifier: ChainVerifier | undefined;
  let first: RangeResult['first'];
  let count = 0;
  let broken: RangeResult['broken'];
  forLines(path, start, end, (bytes, from, to, utf8) => {
    // The bytes are scanned where they can be (cli/scan-bytes.ts), the text otherwise.
    let line: string | undefined;
    let scanned = utf8 ? scanExportBytes(bytes, from, to) : undefined;
    if (!scanned) {
      line = bytes.toString('utf8', from, to);
      if (line.trim() === '') return true;
      scanned = scanExportLine(line);
    }
    if (scanned) {
      if (!verifier) {
        first = { seq: scanned.seq, prevHash: scanned.prevHash };
        verifier = new ChainVerifier({ seq: scanned.seq - 1, hash: scanned.prevHash }, undefined, sha256);
      }
      if (verifier.accepts(scanned)) {
        count++;
        return true;
      }
    }
    line ??= bytes.toString('utf8', from, to);
    const event = parseExportLine(line);
    if ('reason' in event)
      return ((broken = { afterSeq: count ? verifier!.head.seq : null, reason: event.reason }), false);
    if (!verifier) {
      first = { seq: event.seq, prevHash: event.prevHash };
      verifier = new ChainVerifier({ seq: event.seq - 1, hash: event.prevHash }, undefined, sha256);
    }
    const found = verifier.step(event, rawDataOf(line));
    if (found) return ((broken = found), false);
    count++;
    return true;
  });
  // Every line counted moved the verifier's head: the last one is where it stands.
  const last = count && verifier ? verifier.head : undefined;
  const settled = verifier?.settlement() ?? { pending: [], vouched: [] };
  return { ...(first ? { first } : {}), ...(last ? { last } : {}), count, ...(broken ? { broken } : {}), ...settled };
}

if (!isMainThread && (workerData as { crmVerifyRange?: unknown } | null)?.crmVerifyRange) {
  const { path, start, end } = (workerData as { crmVerifyRange: { path: string; start: number; end: number } })
    .crmVerifyRange;
  parentPort!.postMessage(verifyRange(path, start, end));
}

function inWorker(path: string, start: number, end: number): Promise<RangeResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { crmVerifyRange: { path, start, end } } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

/** The chain of the whole file, checked by `threads` workers; the head, or the earliest break. */
export async function verifyParallel(
  path: string,
  threads: number,
): Promise<{ events: number; head: { seq: number; hash: string } } | ChainBreak> {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  closeSync(fd);
  const step = Math.ceil(size / threads);
  const ranges = await Promise.all(
    Array.from({ length: threads }, (_, i) => inWorker(path, i * step, Math.min(size, (i + 1) * step))),
  );
  let head = { seq: 0, hash: GENESIS_HASH };
  let events = 0;
  let found: ChainBreak | undefined;
  const pending = new Map<number, string>();
  const vouched = new Map<number, string>();
  for (const range of ranges) {
    for (const [seq, actual] of range.pending) pending.set(seq, actual);
    if (range.first) {
      if (range.first.seq !== head.seq + 1)
        found = { seq: head.seq + 1, reason: `expected seq ${head.seq + 1}, found ${range.first.seq}` };
      else if (range.first.prevHash !== head.hash)
        found = { seq: range.first.seq, reason: 'prevhash does not match the previous hash' };
      if (found) break;
    }
    for (const [seq, datahash] of range.vouched) vouched.set(seq, datahash);
    if (range.broken) {
      found =
        'afterSeq' in range.broken
          ? { seq: (range.broken.afterSeq ?? head.seq) + 1, reason: range.broken.reason }
          : range.broken;
      break;
    }
    if (range.last) head = range.last;
    events += range.count;
  }
  for (const [seq, actual] of pending) {
    if (vouched.get(seq) === actual || (found && seq >= found.seq)) continue;
    if (!found || seq < found.seq) found = { seq, reason: 'data does not match datahash' };
  }
  return found ?? { events, head };
}
