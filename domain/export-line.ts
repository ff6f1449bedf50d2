// One line of an export: a CloudEvent 1.0 in JSON with the chain's extensions, keys in a fixed order,
// `data` last and canonical (the very text its datahash was computed over). `source` is relative to the
// tenant (`/contacts/{id}`), so an export restored into another tenant exports to the same bytes.
import { canonicalJson } from './canonical';
import type { StoredEvent } from './events';
import { nounByName } from './nouns';

export function exportLine(e: StoredEvent): string {
  const q = JSON.stringify;
  const collection = nounByName.get(e.entityType)?.collection ?? e.entityType.toLowerCase();
  return (
    `{"specversion":"1.0","id":${q(e.id)},"source":${q(`/${collection}/${e.entityId}`)},"type":${q(e.type)},"time":${q(e.time)},` +
    `"subject":${q(e.entityId)},"datacontenttype":"application/json","seq":${e.seq},"entitytype":${q(e.entityType)},` +
    `"entityversion":${e.entityVersion},"actor":${q(e.actor)},` +
    (e.causationId === null ? '' : `"causationid":${q(e.causationId)},`) +
    (e.correlationId === null ? '' : `"correlationid":${q(e.correlationId)},`) +
    `"datahash":${q(e.dataHash)},"prevhash":${q(e.prevHash)},"hash":${q(e.hash)},"data":${canonicalJson(e.data)}}`
  );
}

const STRINGS = ['id', 'type', 'time', 'subject', 'entitytype', 'actor', 'datahash', 'prevhash', 'hash'] as const;

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
  for (const key of ['seq', 'entityversion']) if (!Number.isSafeInteger(raw[key]) || (raw[key] as number) < 1) return { reason: `${key} is not a positive integer` };
  for (const key of ['causationid', 'correlationid']) if (raw[key] !== undefined && typeof raw[key] !== 'string') return { reason: `${key} is not a string` };
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
    data: data as Record<string, unknown>,
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
