// One line of an export: a CloudEvent 1.0 in JSON with the chain's extensions, keys in a fixed order,
// `data` last and canonical (the very text its datahash was computed over). `source` is relative to the
// tenant (`/contacts/{id}`), so an export restored into another tenant exports to the same bytes.
import { canonicalJson } from './canonical';
import type { EventData } from './event-types';
import type { StoredEvent } from './events';
import { nounByName } from './nouns';

export function exportLine(e: StoredEvent): string {
  const q = JSON.stringify;
  const collection = nounByName.get(e.entityType)?.collection ?? e.entityType.toLowerCase();
  return (
    `{"specversion":"1.0","id":${q(e.id)},"source":${q(`/${collection}/${e.entityId}`)},` +
    `"type":${q(e.type)},"time":${q(e.time)},` +
    `"subject":${q(e.entityId)},"datacontenttype":"application/json","seq":${e.seq},"entitytype":${q(e.entityType)},` +
    `"entityversion":${e.entityVersion},"actor":${q(e.actor)},` +
    (e.causationId === null ? '' : `"causationid":${q(e.causationId)},`) +
    (e.correlationId === null ? '' : `"correlationid":${q(e.correlationId)},`) +
    `"datahash":${q(e.dataHash)},"prevhash":${q(e.prevHash)},"hash":${q(e.hash)},"data":${canonicalJson(e.data)}}`
  );
}

const STRINGS = ['id', 'type', 'time', 'subject', 'entitytype', 'actor', 'datahash', 'prevhash', 'hash'] as const;

// The one place an export file's text becomes event data (as durable-objects/event-store.ts is for the
// SQLite log): the line's datahash is checked against it before anything trusts it.
function eventData(data: unknown): EventData {
  return data as EventData;
}

/** The data of a line a verifier accepted (its text hashed to the datahash), from that text. */
export function acceptedData(rawData: string): EventData {
  return eventData(JSON.parse(rawData));
}

/** Parses one export line back into the stored event; a reason when it is not one. */
export function parseExportLine(line: string): StoredEvent | { readonly reason: string } {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { reason: 'not JSON' };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { reason: 'not a JSON object' };
  if (raw['specversion'] !== '1.0') return { reason: 'specversion is not 1.0' };
  for (const key of STRINGS) if (typeof raw[key] !== 'string') return { reason: `${key} is missing or not a string` };
  for (const key of ['seq', 'entityversion'])
    if (!Number.isSafeInteger(raw[key]) || (raw[key] as number) < 1)
      return { reason: `${key} is not a positive integer` };
  for (const key of ['causationid', 'correlationid'])
    if (raw[key] !== undefined && typeof raw[key] !== 'string') return { reason: `${key} is not a string` };
  const data = raw['data'];
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { reason: 'data is not a JSON object' };
  return {
    seq: raw['seq'] as number,
    id: raw['id'] as string,
    type: raw['type'] as string,
    entityType: raw['entitytype'] as string,
    entityId: raw['subject'] as string,
    entityVersion: raw['entityversion'] as number,
    time: raw['time'] as string,
    actor: raw['actor'] as string,
    causationId: (raw['causationid'] as string | undefined) ?? null,
    correlationId: (raw['correlationid'] as string | undefined) ?? null,
    data: eventData(data),
    dataHash: raw['datahash'] as string,
    prevHash: raw['prevhash'] as string,
    hash: raw['hash'] as string,
  };
}

/**
 * The text of an export line's data as it stands (`data` is the last member), for hashing without
 * re-serializing; undefined when the line is not shaped so. Only a hint: a verifier that finds it does not
 * hash to the datahash falls back to the canonical JSON of the parsed data.
 */
export function rawDataOf(line: string): string | undefined {
  const at = line.indexOf(',"data":');
  return at > 0 && line.endsWith('}') ? line.slice(at + 8, -1) : undefined;
}

/** An export line read without JSON.parse: the raw JSON text of each member, as exportLine writes them. */
export interface ScannedLine {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly dataHash: string;
  readonly type: string;
  readonly time: string;
  /**
   * Exactly chainInput(event) when the line is as exportLine wrote it; a verifier checks its hash. As text, or
   * as its UTF-8 bytes (the CLI's scan of the file's bytes, cli/scan-bytes.ts).
   */
  readonly chainText: string | Uint8Array;
  /** The data member's text as it stands (or its UTF-8 bytes): what its datahash was computed over. */
  readonly rawData: string | Uint8Array;
  /** Whether the line's prevhash, hash and datahash are these (a scan of bytes compares without decoding). */
  matches(prevHash: string, hash: string, dataHash: string): boolean;
  /** The stored event, parsing only what a fold needs (data, and strings that carry escapes). */
  event(): StoredEvent;
}

const unquote = (raw: string): string => (raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1));

// The scanner's cursor: module state rather than closures, as it runs once per line verified (synchronous,
// so never re-entered).
let text = '';
let at = 0;

function key(token: string): boolean {
  if (!text.startsWith(token, at)) return false;
  at += token.length;
  return true;
}

// A JSON string's raw text, escapes kept: the next unescaped quote ends it.
function str(): string | undefined {
  if (text.charCodeAt(at) !== 34) return undefined;
  let end = text.indexOf('"', at + 1);
  while (end !== -1) {
    let slashes = 0;
    while (text.charCodeAt(end - 1 - slashes) === 92) slashes++;
    if (slashes % 2 === 0) break;
    end = text.indexOf('"', end + 1);
  }
  if (end === -1) return undefined;
  const raw = text.slice(at, end + 1);
  at = end + 1;
  return raw;
}

function int(): string | undefined {
  const start = at;
  while (text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57) at++;
  return at > start && at - start < 16 ? text.slice(start, at) : undefined;
}

const comma = (): boolean => text.charCodeAt(at++) === 44;
const member = (token: string, read: () => string | undefined): string | undefined => (key(token) ? read() : undefined);

/**
 * Reads a line in exportLine's exact member order by scanning, not parsing: a verifier hashes the raw
 * texts as they stand. Undefined for any other shape (the caller then parses it); a scanned line whose
 * hashes do not match must also be re-checked through the parsed path, which alone gives the verdict.
 */
export function scanExportLine(line: string): ScannedLine | undefined {
  text = line;
  if (!line.startsWith('{"specversion":"1.0",')) return undefined;
  at = 21;
  const id = member('"id":', str);
  if (id === undefined || !comma() || member('"source":', str) === undefined || !comma()) return undefined;
  const type = member('"type":', str);
  if (type === undefined || !comma()) return undefined;
  const time = member('"time":', str);
  if (time === undefined || !comma()) return undefined;
  const subject = member('"subject":', str);
  if (subject === undefined || !comma() || !key('"datacontenttype":') || str() !== '"application/json"' || !comma())
    return undefined;
  const seq = member('"seq":', int);
  if (seq === undefined || !comma()) return undefined;
  const entityType = member('"entitytype":', str);
  if (entityType === undefined || !comma()) return undefined;
  const version = member('"entityversion":', int);
  if (version === undefined || !comma()) return undefined;
  const actor = member('"actor":', str);
  if (actor === undefined || !comma()) return undefined;
  let causation: string | undefined;
  let correlation: string | undefined;
  if (line.startsWith('"causationid":', at) && ((causation = member('"causationid":', str)) === undefined || !comma()))
    return undefined;
  if (
    line.startsWith('"correlationid":', at) &&
    ((correlation = member('"correlationid":', str)) === undefined || !comma())
  )
    return undefined;
  const dataHash = member('"datahash":', str);
  if (dataHash === undefined || !comma()) return undefined;
  const prevHash = member('"prevhash":', str);
  if (prevHash === undefined || !comma()) return undefined;
  const hash = member('"hash":', str);
  if (hash === undefined || !comma() || !key('"data":') || !line.endsWith('}')) return undefined;
  const rawData = line.slice(at, -1);
  const chainText =
    `${prevHash.slice(1, -1)}{"actor":${actor},` +
    `"causationid":${causation ?? 'null'},"correlationid":${correlation ?? 'null'},` +
    `"datahash":${dataHash},"entityid":${subject},"entitytype":${entityType},"entityversion":${version},"id":${id},` +
    `"seq":${seq},"time":${time},"type":${type}}`;
  const scanned = {
    seq: Number(seq),
    prevHash: unquote(prevHash),
    hash: unquote(hash),
    dataHash: unquote(dataHash),
    type: unquote(type),
    time: unquote(time),
    chainText,
    rawData,
    event: () => ({
      seq: Number(seq),
      id: unquote(id),
      type: unquote(type),
      entityType: unquote(entityType),
      entityId: unquote(subject),
      entityVersion: Number(version),
      time: unquote(time),
      actor: unquote(actor),
      causationId: causation === undefined ? null : unquote(causation),
      correlationId: correlation === undefined ? null : unquote(correlation),
      data: eventData(JSON.parse(rawData)),
      dataHash: unquote(dataHash),
      prevHash: unquote(prevHash),
      hash: unquote(hash),
    }),
    matches: (p: string, h: string, d: string) =>
      scanned.prevHash === p && scanned.hash === h && scanned.dataHash === d,
  };
  return scanned;
}
