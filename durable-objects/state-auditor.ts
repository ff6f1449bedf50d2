// Checks the state the TenantLog stores (entities, uniques, refs) against the log, re-folded with the
// domain's own evolve: the stored state is trusted no more than the chain. Two halves, both bounded:
// - per entity, in the verify page that holds the entity's latest event: its row equals the fold of its
//   own events, and the uniques and refs rows that state implies are there;
// - per row, a sweep of entities, uniques and refs in key order (its own cursor): every row is implied
//   by an entity's state. Together: every stored row is implied by the fold, and the fold by the rows.
import { canonicalJson } from '../domain/canonical';
import { isLive, type Entity } from '../domain/entity';
import type { StoredEvent } from '../domain/events';
import { evolve } from '../domain/evolve';
import { fieldLists } from '../domain/field-lists';
import { normalizeUnique } from '../domain/formats';
import { nounByName } from '../domain/nouns';
import { rowToEntity, rowToEvent } from './event-store';

export type StateTable = 'entities' | 'uniques' | 'refs';

/** The first place where the stored state is not what the log folds to. */
export interface Mismatch {
  readonly entityId: string;
  readonly table: StateTable;
  readonly reason: string;
}

/** Where a row sweep stands: the table, and the key of the last row checked in it (none: its start). */
export interface SweepPosition {
  readonly table: StateTable;
  readonly key: readonly string[];
}

type Row = Record<string, SqlStorageValue>;

/** A uniques or refs row an entity's folded state implies. */
interface Expected {
  readonly key: string;
  readonly field: string;
  readonly value: string;
  readonly row: readonly string[];
}

const FOLD_PAGE = 5_000;
export const SWEEP_PAGE = 1_000;
export const SWEEP_START: SweepPosition = { table: 'entities', key: [] };
const SWEEP_ORDER: readonly StateTable[] = ['entities', 'uniques', 'refs'];
const KEYS: Readonly<Record<StateTable, readonly string[]>> = {
  entities: ['id'],
  uniques: ['noun', 'field', 'value'],
  refs: ['target_id', 'field', 'source_type', 'source_id'],
};

export class StateAuditor {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Checks each entity whose latest event is in this page of the log (in the order of those events);
   * an entity with later events is checked by the page that holds them. Answers the first mismatch and
   * how many events were folded.
   */
  checkPage(page: readonly StoredEvent[]): { mismatch?: Mismatch; folded: number } {
    const inPage = new Map<string, StoredEvent[]>();
    for (const event of page) {
      const own = inPage.get(event.entityId);
      if (own) own.push(event);
      else inPage.set(event.entityId, [event]);
    }
    // Two statements for the whole page: each entity's first and last seq in the log, and its stored row.
    const ids = JSON.stringify([...inPage.keys()]);
    const span = new Map<string, { first: number; last: number }>();
    const spanSql = 'SELECT j.value AS id, (SELECT MIN(seq) FROM events WHERE entity_id = j.value) AS first, (SELECT MAX(seq) FROM events WHERE entity_id = j.value) AS last FROM json_each(?) j';
    for (const row of this.sql.exec(spanSql, ids)) span.set(String(row['id']), { first: Number(row['first']), last: Number(row['last']) });
    const stored = new Map<string, Row>();
    for (const row of this.sql.exec('SELECT * FROM entities WHERE id IN (SELECT value FROM json_each(?))', ids)) stored.set(String(row['id']), row);

    const checks: { id: string; mismatch?: Mismatch; uniques: Expected[]; refs: Expected[] }[] = [];
    let folded = 0;
    for (const event of page) {
      const own = inPage.get(event.entityId)!;
      const { first, last } = span.get(event.entityId)!;
      // Checked in the page that holds its latest event; folded from the page alone when it holds them all.
      if (own.at(-1) !== event || last > event.seq) continue;
      const history = first < own[0]!.seq ? this.eventsOf(event.entityId) : own;
      if (!Array.isArray(history)) return { mismatch: history, folded };
      let entity: Entity | undefined;
      for (const e of history) entity = evolve(entity, e);
      folded += history.length;
      checks.push(this.checkEntity(event.entityId, entity!, stored.get(event.entityId)));
    }
    const uniques = this.present(checks.flatMap((c) => c.uniques), 'SELECT j.key AS i, u.entity_id AS found FROM json_each(?) j LEFT JOIN uniques u ON u.noun = j.value ->> 0 AND u.field = j.value ->> 1 AND u.value = j.value ->> 2');
    const refs = this.present(checks.flatMap((c) => c.refs), 'SELECT j.key AS i, r.source_id AS found FROM json_each(?) j LEFT JOIN refs r ON r.target_id = j.value ->> 0 AND r.field = j.value ->> 1 AND r.source_type = j.value ->> 2 AND r.source_id = j.value ->> 3');
    for (const check of checks) {
      if (check.mismatch) return { mismatch: check.mismatch, folded };
      for (const expected of check.uniques) {
        const owner = uniques.get(expected.key);
        if (owner === check.id) continue;
        const what = `its ${expected.field} ${JSON.stringify(expected.value)}`;
        return { mismatch: { entityId: check.id, table: 'uniques', reason: owner ? `${what} is indexed to ${owner}` : `no row for ${what}` }, folded };
      }
      const missing = check.refs.find((expected) => !refs.get(expected.key));
      if (missing) return { mismatch: { entityId: check.id, table: 'refs', reason: `no row for its ${missing.field} → ${missing.value}` }, folded };
    }
    return { folded };
  }

  // Which of the expected rows exist: one statement over all of them; answers who holds each key.
  private present(expected: readonly Expected[], query: string): Map<string, string | null> {
    const found = new Map<string, string | null>();
    if (expected.length === 0) return found;
    for (const row of this.sql.exec(query, JSON.stringify(expected.map((e) => e.row)))) {
      const key = expected[Number(row['i'])]!.key;
      // A uniques key has one holder; a refs key is found or not.
      if (!found.get(key)) found.set(key, row['found'] === null ? null : String(row['found']));
    }
    return found;
  }

  /** Checks up to `limit` rows after a position (one SQL page); the first mismatch, or where to go on (null: done). */
  sweepPage(at: SweepPosition, limit: number): { mismatch?: Mismatch; next: SweepPosition | null; checked: number } {
    const rows = this.rowsAfter(at, limit);
    let checked = 0;
    for (const row of rows) {
      checked++;
      const mismatch = this.checkRow(at.table, row);
      if (mismatch) return { mismatch, next: null, checked };
    }
    const last = rows.at(-1);
    const next = last && rows.length === limit ? { table: at.table, key: KEYS[at.table].map((k) => String(last[k])) } : nextTable(at.table);
    return { next, checked };
  }

  // The entity's whole history; its data was chain-verified, but a row that does not parse is a finding, not a crash.
  private eventsOf(id: string): StoredEvent[] | Mismatch {
    const events: StoredEvent[] = [];
    for (let after = 0; ; ) {
      const rows = this.sql.exec('SELECT * FROM events WHERE entity_id = ? AND seq > ? ORDER BY seq LIMIT ?', id, after, FOLD_PAGE).toArray();
      for (const row of rows) {
        const event = parsed(() => rowToEvent(row));
        if (!event) return { entityId: id, table: 'entities', reason: `its event ${String(row['seq'])} does not parse` };
        events.push(event);
      }
      if (rows.length < FOLD_PAGE) return events;
      after = Number(rows.at(-1)!['seq']);
    }
  }

  // The stored row against the fold; when they agree, the uniques and refs rows the state implies.
  private checkEntity(id: string, folded: Entity, row: Row | undefined): { id: string; mismatch?: Mismatch; uniques: Expected[]; refs: Expected[] } {
    const none = { id, uniques: [], refs: [] };
    if (!row) return { ...none, mismatch: { entityId: id, table: 'entities', reason: `no stored row; its events fold to version ${folded.version}` } };
    const differs = sameAsStored(row, folded) ? undefined : whereDifferent(row, folded);
    if (differs) return { ...none, mismatch: { entityId: id, table: 'entities', reason: differs } };
    const noun = nounByName.get(folded.type);
    if (!noun || !isLive(folded)) return none;
    const lists = fieldLists(noun);
    const uniques = lists.uniqueValues.flatMap((field): Expected[] => {
      const value = folded.fields[field];
      return typeof value === 'string' ? [{ key: `${noun.name}\u0000${field}\u0000${normalizeUnique(value)}`, field, value, row: [noun.name, field, normalizeUnique(value)] }] : [];
    });
    const refs = lists.refs.flatMap(([field]): Expected[] => {
      const target = folded.fields[field];
      return typeof target === 'string' ? [{ key: `${target}\u0000${field}\u0000${noun.name}\u0000${id}`, field, value: target, row: [target, field, noun.name, id] }] : [];
    });
    return { id, uniques, refs };
  }

  // Each sweep page is one statement that brings, beside each row, what it is checked against: for an
  // entity row whether any event records it; for a uniques or refs row the state of the entity it names
  // and that entity's value of the field (read by SQLite, so a page parses no JSON in JavaScript).
  private rowsAfter(at: SweepPosition, limit: number): Record<string, SqlStorageValue>[] {
    const keys = KEYS[at.table];
    const where = at.key.length ? `WHERE (${keys.map((k) => `r.${k}`).join(', ')}) > (${keys.map(() => '?').join(', ')})` : '';
    const order = `ORDER BY ${keys.map((k) => `r.${k}`).join(', ')} LIMIT ?`;
    if (at.table === 'entities') {
      return this.sql.exec(`SELECT r.id, EXISTS (SELECT 1 FROM events WHERE entity_id = r.id) AS recorded FROM entities r ${where} ${order}`, ...at.key, limit).toArray();
    }
    const [owner, noun] = at.table === 'uniques' ? ['entity_id', 'noun'] : ['source_id', 'source_type'];
    // A field name that is not an identifier is never a path: only the schema's fields are looked up.
    const value = `CASE WHEN json_valid(e.fields) AND r.field GLOB '[A-Za-z_]*' AND r.field NOT GLOB '*[^A-Za-z0-9_]*' THEN json_extract(e.fields, '$.' || r.field) END`;
    return this.sql
      .exec(
        `SELECT r.*, r.${owner} AS owner, r.${noun} AS noun_name, e.id AS found, e.type AS type, e.deleted_at IS NULL AND e.merged_into IS NULL AS live, ${value} AS held
         FROM ${at.table} r LEFT JOIN entities e ON e.id = r.${owner} ${where} ${order}`,
        ...at.key,
        limit,
      )
      .toArray();
  }

  // A row is implied by the stored state of the entity it names; that state was checked against the fold.
  private checkRow(table: StateTable, row: Record<string, SqlStorageValue>): Mismatch | undefined {
    if (table === 'entities') return row['recorded'] ? undefined : { entityId: String(row['id']), table, reason: 'a stored row that no event records' };
    const [id, noun, field, held] = [String(row['owner']), String(row['noun_name']), String(row['field']), row['held']];
    const schema = nounByName.get(noun);
    const lists = schema ? fieldLists(schema) : undefined;
    const holds =
      table === 'uniques'
        ? lists?.uniqueValues.includes(field) && typeof held === 'string' && normalizeUnique(held) === row['value']
        : lists?.refs.some(([f]) => f === field) && held === row['target_id'];
    if (holds && row['live'] && row['type'] === noun) return undefined;
    const what = table === 'uniques' ? `${field} ${JSON.stringify(row['value'])}` : `${field} → ${String(row['target_id'])}`;
    const whose = row['found'] === null ? 'missing row' : row['live'] ? 'state' : 'tombstone';
    return { entityId: id, table, reason: `a row for ${what} that its ${whose} does not hold` };
  }
}

function parsed<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function nextTable(table: StateTable): SweepPosition | null {
  const next = SWEEP_ORDER[SWEEP_ORDER.indexOf(table) + 1];
  return next ? { table: next, key: [] } : null;
}

// The store writes JSON.stringify of the folded fields, so a healthy row is equal as text: no parse needed.
function sameAsStored(row: Row, folded: Entity): boolean {
  return (
    row['type'] === folded.type &&
    row['version'] === folded.version &&
    row['created_at'] === folded.createdAt &&
    row['updated_at'] === folded.updatedAt &&
    row['deleted_at'] === (folded.deletedAt ?? null) &&
    row['merged_into'] === (folded.mergedInto ?? null) &&
    row['fields'] === JSON.stringify(folded.fields)
  );
}

/** Where a stored row and the fold differ, as a path (`fields.title`, `version`); undefined if only in key order. */
function whereDifferent(row: Row, folded: Entity): string | undefined {
  const stored = parsed(() => rowToEntity(row));
  if (!stored) return 'the stored row does not parse';
  const at = (path: string, a: unknown, b: unknown) =>
    `the stored row differs from the fold of its events at ${path} (stored ${a === undefined ? 'nothing' : JSON.stringify(a)}, folded ${b === undefined ? 'nothing' : JSON.stringify(b)})`;
  const top = ['type', 'version', 'createdAt', 'updatedAt', 'deletedAt', 'mergedInto'] as const;
  for (const key of top) if (stored[key] !== folded[key]) return at(key, stored[key], folded[key]);
  if (typeof stored.fields !== 'object' || stored.fields === null || Array.isArray(stored.fields)) return 'the stored row does not parse';
  const names = [...new Set([...Object.keys(stored.fields), ...Object.keys(folded.fields)])].sort();
  for (const name of names) {
    const [a, b] = [stored.fields[name], folded.fields[name]];
    if ((a === undefined) !== (b === undefined) || canonicalJson(a) !== canonicalJson(b)) return at(`fields.${name}`, a, b);
  }
  return undefined;
}

/** The sweep position as an opaque cursor (base64url JSON), and back; undefined when not one of ours. */
export function encodeSweep(position: SweepPosition): string {
  const text = JSON.stringify({ t: position.table, k: position.key });
  return btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeSweep(raw: string): SweepPosition | undefined {
  try {
    const binary = atob(raw.replace(/-/g, '+').replace(/_/g, '/'));
    const { t, k } = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))) as { t?: unknown; k?: unknown };
    if (typeof t !== 'string' || !SWEEP_ORDER.includes(t as StateTable)) return undefined;
    const table = t as StateTable;
    if (!Array.isArray(k) || !k.every((part) => typeof part === 'string') || (k.length !== 0 && k.length !== KEYS[table].length)) return undefined;
    return { table, key: k as string[] };
  } catch {
    return undefined;
  }
}
