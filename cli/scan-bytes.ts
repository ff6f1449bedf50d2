// An export line read from the file's bytes, as scanExportLine (domain/export-line.ts) reads it from text:
// nothing decoded, nothing parsed. The data's bytes are hashed where they lie, and the envelope the chain
// hashed is put together from the line's own bytes in a reused buffer. Only a fast path: any line it does
// not read (escapes in a string, another shape) goes through the text, and the verifier checks both hashes.
import { Buffer } from 'node:buffer';
import type { StoredEvent } from '../domain/events';
import { acceptedData, type ScannedLine } from '../domain/export-line';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const HEAD = bytes('{"specversion":"1.0","id":');
const SOURCE = bytes(',"source":');
const TYPE = bytes(',"type":');
const TIME = bytes(',"time":');
const SUBJECT = bytes(',"subject":');
const CONTENT_TYPE = bytes(',"datacontenttype":"application/json","seq":');
const ENTITY_TYPE = bytes(',"entitytype":');
const VERSION = bytes(',"entityversion":');
const ACTOR = bytes(',"actor":');
const CAUSATION = bytes(',"causationid":');
const CORRELATION = bytes(',"correlationid":');
const DATA_HASH = bytes(',"datahash":');
const PREV_HASH = bytes(',"prevhash":');
const HASH = bytes(',"hash":');
const DATA = bytes(',"data":');
const NULL = bytes('null');
// The envelope's keys in chainInput's order (domain/events.ts).
const C_ACTOR = bytes('{"actor":');
const C_CAUSATION = bytes(',"causationid":');
const C_CORRELATION = bytes(',"correlationid":');
const C_DATA_HASH = bytes(',"datahash":');
const C_ENTITY_ID = bytes(',"entityid":');
const C_ENTITY_TYPE = bytes(',"entitytype":');
const C_VERSION = bytes(',"entityversion":');
const C_ID = bytes(',"id":');
const C_SEQ = bytes(',"seq":');
const C_TIME = bytes(',"time":');
const C_TYPE = bytes(',"type":');

// The cursor and the envelope buffer: module state, as the scan runs once per line and is never re-entered.
let buf: Buffer = Buffer.alloc(0);
let at = 0;
let end = 0;
let out = Buffer.alloc(4096);
let put = 0;
// Start and end (after the closing quote) of the last member read.
let s0 = 0;
let s1 = 0;

// The loops copy module state into locals: V8 keeps those in registers, not in the module's context.
function key(token: Uint8Array): boolean {
  const b = buf;
  const from = at;
  const n = token.length;
  if (from + n > end) return false;
  for (let i = 0; i < n; i++) if (b[from + i] !== token[i]) return false;
  at = from + n;
  return true;
}

// A JSON string without escapes (a backslash sends the line to the text path).
function str(): boolean {
  const b = buf;
  const from = at;
  const stop = end;
  if (b[from] !== 34) return false;
  for (let i = from + 1; i < stop; i++) {
    const c = b[i]!;
    if (c === 34) {
      s0 = from;
      s1 = i + 1;
      at = s1;
      return true;
    }
    if (c === 92) return false;
  }
  return false;
}

function int(): boolean {
  const start = at;
  while (at < end && buf[at]! >= 48 && buf[at]! <= 57) at++;
  s0 = start;
  s1 = at;
  return at > start && at - start < 16;
}

function copy(from: Uint8Array, start: number, stop: number): void {
  const o = out;
  let p = put;
  for (let i = start; i < stop; i++) o[p++] = from[i]!;
  put = p;
}

const constant = (token: Uint8Array) => copy(token, 0, token.length);

/** Whether `buf[from, from + text.length)` holds `text` (ASCII): a hash compared without decoding it. */
function holds(bytes: Buffer, from: number, to: number, text: string): boolean {
  if (to - from !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[from + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** A line read from bytes: offsets into its chunk; texts decoded only when asked for. */
class ByteLine implements ScannedLine {
  private decodedType: string | undefined;
  constructor(
    private readonly bytes: Buffer,
    readonly seq: number,
    // Each member's [start, end) with its quotes; -1 for an absent optional id.
    private readonly m: number[],
    readonly chainText: Uint8Array,
    readonly rawData: Uint8Array,
  ) {}
  // A string member's value: no escapes in it, so its UTF-8 between the quotes.
  private value(i: number): string {
    return this.bytes.toString('utf8', this.m[i]! + 1, this.m[i + 1]! - 1);
  }
  get type(): string {
    return (this.decodedType ??= this.value(TYPE_AT));
  }
  get time(): string {
    return this.value(TIME_AT);
  }
  get prevHash(): string {
    return this.value(PREV_AT);
  }
  get hash(): string {
    return this.value(HASH_AT);
  }
  get dataHash(): string {
    return this.value(DATA_HASH_AT);
  }
  matches(prevHash: string, hash: string, dataHash: string): boolean {
    const { bytes, m } = this;
    return (
      holds(bytes, m[HASH_AT]! + 1, m[HASH_AT + 1]! - 1, hash) &&
      holds(bytes, m[DATA_HASH_AT]! + 1, m[DATA_HASH_AT + 1]! - 1, dataHash) &&
      holds(bytes, m[PREV_AT]! + 1, m[PREV_AT + 1]! - 1, prevHash)
    );
  }
  event(): StoredEvent {
    const { bytes, m } = this;
    const from = m[ID_AT]!;
    const to = m[LAST]!;
    // The line decoded once; where it is ASCII, byte offsets are string offsets and members are slices of it.
    const line = bytes.toString('utf8', from, to);
    const ascii = line.length === to - from;
    const value = (i: number) => (ascii ? line.slice(m[i]! + 1 - from, m[i + 1]! - 1 - from) : this.value(i));
    const optional = (i: number) => (m[i]! < 0 ? null : value(i));
    const dataAt = this.rawData.byteOffset - bytes.byteOffset;
    return {
      seq: this.seq,
      id: value(ID_AT),
      type: this.type,
      entityType: value(ENTITY_TYPE_AT),
      entityId: value(SUBJECT_AT),
      entityVersion: Number(bytes.toString('latin1', m[VERSION_AT], m[VERSION_AT + 1])),
      time: value(TIME_AT),
      actor: value(ACTOR_AT),
      causationId: optional(CAUSATION_AT),
      correlationId: optional(CORRELATION_AT),
      data: acceptedData(ascii ? line.slice(dataAt - from) : bytes.toString('utf8', dataAt, to)),
      dataHash: value(DATA_HASH_AT),
      prevHash: value(PREV_AT),
      hash: value(HASH_AT),
    };
  }
}

// Where each member's offsets sit in ByteLine's array.
const [ID_AT, TYPE_AT, TIME_AT, SUBJECT_AT, SEQ_AT, ENTITY_TYPE_AT, VERSION_AT, ACTOR_AT] = [0, 2, 4, 6, 8, 10, 12, 14];
const [CAUSATION_AT, CORRELATION_AT, DATA_HASH_AT, PREV_AT, HASH_AT, LAST] = [16, 18, 20, 22, 24, 26];

function member(m: number[], i: number, read: () => boolean): boolean {
  if (!read()) return false;
  m[i] = s0;
  m[i + 1] = s1;
  return true;
}

function piece(m: number[], i: number): void {
  if (m[i]! < 0) constant(NULL);
  else copy(buf, m[i]!, m[i + 1]!);
}

/**
 * Reads `bytes[start, stop)` (one line, without its newline) in exportLine's exact member order; undefined for
 * anything else. The chainText of what it answers is valid only until the next call (the buffer is reused).
 */
export function scanExportBytes(bytes: Buffer, start: number, stop: number): ScannedLine | undefined {
  buf = bytes;
  at = start;
  end = stop;
  // A literal array: far cheaper to make than a typed one.
  const m = [
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  ];
  m[LAST] = end - 1;
  if (buf[end - 1] !== 125 || !key(HEAD) || !member(m, ID_AT, str)) return undefined;
  if (!key(SOURCE) || !str() || !key(TYPE) || !member(m, TYPE_AT, str)) return undefined;
  if (!key(TIME) || !member(m, TIME_AT, str) || !key(SUBJECT) || !member(m, SUBJECT_AT, str)) return undefined;
  if (!key(CONTENT_TYPE) || !member(m, SEQ_AT, int)) return undefined;
  if (!key(ENTITY_TYPE) || !member(m, ENTITY_TYPE_AT, str) || !key(VERSION) || !member(m, VERSION_AT, int))
    return undefined;
  if (!key(ACTOR) || !member(m, ACTOR_AT, str)) return undefined;
  if (key(CAUSATION) && !member(m, CAUSATION_AT, str)) return undefined;
  if (key(CORRELATION) && !member(m, CORRELATION_AT, str)) return undefined;
  if (!key(DATA_HASH) || !member(m, DATA_HASH_AT, str) || !key(PREV_HASH) || !member(m, PREV_AT, str)) return undefined;
  if (!key(HASH) || !member(m, HASH_AT, str) || !key(DATA)) return undefined;
  const data = at;
  if (out.length < end - start + 256) out = Buffer.alloc(2 * (end - start) + 256);
  put = 0;
  copy(buf, m[PREV_AT]! + 1, m[PREV_AT + 1]! - 1);
  constant(C_ACTOR);
  piece(m, ACTOR_AT);
  constant(C_CAUSATION);
  piece(m, CAUSATION_AT);
  constant(C_CORRELATION);
  piece(m, CORRELATION_AT);
  constant(C_DATA_HASH);
  piece(m, DATA_HASH_AT);
  constant(C_ENTITY_ID);
  piece(m, SUBJECT_AT);
  constant(C_ENTITY_TYPE);
  piece(m, ENTITY_TYPE_AT);
  constant(C_VERSION);
  piece(m, VERSION_AT);
  constant(C_ID);
  piece(m, ID_AT);
  constant(C_SEQ);
  piece(m, SEQ_AT);
  constant(C_TIME);
  piece(m, TIME_AT);
  constant(C_TYPE);
  piece(m, TYPE_AT);
  out[put++] = 125;
  let seq = 0;
  for (let i = m[SEQ_AT]!; i < m[SEQ_AT + 1]!; i++) seq = seq * 10 + buf[i]! - 48;
  return new ByteLine(buf, seq, m, out.subarray(0, put), buf.subarray(data, end - 1));
}
