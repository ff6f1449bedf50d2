// The row half of the state check: entities, uniques and refs swept in primary-key order, each row
// checked against what implies it, in pages under an opaque cursor. The entity half (state-auditor.ts)
// has already compared each entity row with the fold of its events, so "implied by the stored entity"
// here means implied by the fold.
import { fieldLists } from '../domain/field-lists';
import { normalizeUnique } from '../domain/formats';
import { nounByName } from '../domain/nouns';
import type { Mismatch, Row, StateTable } from './state-auditor';

/** Where a row sweep stands: the table, and the key of the last row checked in it (none: its start). */
export interface SweepPosition {
  readonly table: StateTable;
  readonly key: readonly string[];
}

export const SWEEP_PAGE = 1_000;
export const SWEEP_START: SweepPosition = { table: 'entities', key: [] };
const ORDER: readonly StateTable[] = ['entities', 'uniques', 'refs'];
const KEYS: Readonly<Record<StateTable, readonly string[]>> = {
  entities: ['id'],
  uniques: ['noun', 'field', 'value'],
  refs: ['target_id', 'field', 'source_type', 'source_id'],
};
// The field's value in the named entity's stored fields, read by SQLite (no JSON parsed in JavaScript);
// a field name that is not an identifier is never used as a path.
const HELD =
  "CASE WHEN json_valid(e.fields) AND r.field GLOB '[A-Za-z_]*' AND r.field NOT GLOB '*[^A-Za-z0-9_]*'" +
  " THEN json_extract(e.fields, '$.' || r.field) END";

export class StateSweep {
  constructor(private readonly sql: SqlStorage) {}

  /** Checks up to `limit` rows after a position (one statement); the first mismatch, or where to go on. */
  page(at: SweepPosition, limit: number): { mismatch?: Mismatch; next: SweepPosition | null; checked: number } {
    const rows = this.rowsAfter(at, limit);
    let checked = 0;
    for (const row of rows) {
      checked++;
      const mismatch = checkRow(at.table, row);
      if (mismatch) return { mismatch, next: null, checked };
    }
    const last = rows.at(-1);
    if (last && rows.length === limit) {
      return { next: { table: at.table, key: KEYS[at.table].map((k) => String(last[k])) }, checked };
    }
    const next = ORDER[ORDER.indexOf(at.table) + 1];
    return { next: next ? { table: next, key: [] } : null, checked };
  }

  // Each row comes with what it is checked against: for an entity row, whether any event records it;
  // for a uniques or refs row, the entity it names (found, live, type) and that entity's value of the field.
  private rowsAfter(at: SweepPosition, limit: number): Row[] {
    const keys = KEYS[at.table].map((k) => `r.${k}`).join(', ');
    const where = at.key.length ? `WHERE (${keys}) > (${at.key.map(() => '?').join(', ')})` : '';
    const page = `${where} ORDER BY ${keys} LIMIT ?`;
    if (at.table === 'entities') {
      const recorded = 'EXISTS (SELECT 1 FROM events WHERE entity_id = r.id) AS recorded';
      return this.sql.exec(`SELECT r.id, ${recorded} FROM entities r ${page}`, ...at.key, limit).toArray();
    }
    const [owner, noun] = at.table === 'uniques' ? ['entity_id', 'noun'] : ['source_id', 'source_type'];
    const named = `r.${owner} AS owner, r.${noun} AS noun_name, e.id AS found, e.type AS type`;
    const live = 'e.deleted_at IS NULL AND e.merged_into IS NULL AS live';
    const join = `FROM ${at.table} r LEFT JOIN entities e ON e.id = r.${owner}`;
    return this.sql.exec(`SELECT r.*, ${named}, ${live}, ${HELD} AS held ${join} ${page}`, ...at.key, limit).toArray();
  }
}

// A uniques row must name a live entity of its noun whose unique field normalises to the value; a refs
// row a live source whose reference field holds the target.
function checkRow(table: StateTable, row: Row): Mismatch | undefined {
  if (table === 'entities') {
    if (row['recorded']) return undefined;
    return { entityId: String(row['id']), table, reason: 'a stored row that no event records' };
  }
  const [id, noun, field, held] = [String(row['owner']), String(row['noun_name']), String(row['field']), row['held']];
  const schema = nounByName.get(noun);
  const lists = schema ? fieldLists(schema) : undefined;
  const holds =
    table === 'uniques'
      ? lists?.uniqueValues.includes(field) && typeof held === 'string' && normalizeUnique(held) === row['value']
      : lists?.refs.some(([f]) => f === field) && held === row['target_id'];
  if (holds && row['live'] && row['type'] === noun) return undefined;
  const what =
    table === 'uniques' ? `${field} ${JSON.stringify(row['value'])}` : `${field} → ${String(row['target_id'])}`;
  const whose = row['found'] === null ? 'missing row' : row['live'] ? 'state' : 'tombstone';
  return { entityId: id, table, reason: `a row for ${what} that its ${whose} does not hold` };
}

/** The position as an opaque cursor (base64url JSON). */
export function encodeSweep(position: SweepPosition): string {
  const text = JSON.stringify({ t: position.table, k: position.key });
  const base64 = btoa(String.fromCharCode(...new TextEncoder().encode(text)));
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The position a cursor names; undefined when it is not one this API gave out. */
export function decodeSweep(raw: string): SweepPosition | undefined {
  let parsed: { t?: unknown; k?: unknown };
  try {
    const binary = atob(raw.replace(/-/g, '+').replace(/_/g, '/'));
    parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))) ?? {};
  } catch {
    return undefined;
  }
  const { t, k } = parsed;
  const table = ORDER.find((name) => name === t);
  if (!table || !Array.isArray(k) || !k.every((part) => typeof part === 'string')) return undefined;
  return k.length === 0 || k.length === KEYS[table].length ? { table, key: k as string[] } : undefined;
}
