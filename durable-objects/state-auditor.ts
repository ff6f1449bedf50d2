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
    const lastInPage = new Map<string, number>();
    for (const event of page) lastInPage.set(event.entityId, event.seq);
    let folded = 0;
    for (const event of page) {
      if (lastInPage.get(event.entityId) !== event.seq) continue;
      if (this.sql.exec('SELECT 1 FROM events WHERE entity_id = ? AND seq > ? LIMIT 1', event.entityId, event.seq).toArray().length) continue;
      const { entity, events } = this.fold(event.entityId);
      folded += events;
      const mismatch = this.checkEntity(event.entityId, entity);
      if (mismatch) return { mismatch, folded };
    }
    return { folded };
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

  private fold(id: string): { entity: Entity | undefined; events: number } {
    let entity: Entity | undefined;
    let count = 0;
    for (let after = 0; ; ) {
      const rows = this.sql.exec('SELECT * FROM events WHERE entity_id = ? AND seq > ? ORDER BY seq LIMIT ?', id, after, FOLD_PAGE).toArray();
      for (const row of rows) entity = evolve(entity, rowToEvent(row));
      count += rows.length;
      if (rows.length < FOLD_PAGE) return { entity, events: count };
      after = Number(rows.at(-1)!['seq']);
    }
  }

  private checkEntity(id: string, folded: Entity | undefined): Mismatch | undefined {
    if (!folded) return undefined;
    const row = this.sql.exec('SELECT * FROM entities WHERE id = ?', id).toArray()[0];
    if (!row) return { entityId: id, table: 'entities', reason: `no stored row; its events fold to version ${folded.version}` };
    const differs = firstDifference(rowToEntity(row), folded);
    if (differs) return { entityId: id, table: 'entities', reason: `the stored row differs from the fold of its events at ${differs}` };
    const noun = nounByName.get(folded.type);
    if (!noun || !isLive(folded)) return undefined;
    const { refs, uniqueValues } = fieldLists(noun);
    for (const field of uniqueValues) {
      const value = folded.fields[field];
      if (typeof value !== 'string') continue;
      const owner = this.sql.exec('SELECT entity_id FROM uniques WHERE noun = ? AND field = ? AND value = ?', noun.name, field, normalizeUnique(value)).toArray()[0];
      if (!owner) return { entityId: id, table: 'uniques', reason: `no row for its ${field} ${JSON.stringify(value)}` };
      if (owner['entity_id'] !== id) return { entityId: id, table: 'uniques', reason: `its ${field} ${JSON.stringify(value)} is indexed to ${String(owner['entity_id'])}` };
    }
    for (const [field] of refs) {
      const target = folded.fields[field];
      if (typeof target !== 'string') continue;
      const found = this.sql.exec('SELECT 1 FROM refs WHERE target_id = ? AND field = ? AND source_type = ? AND source_id = ?', target, field, noun.name, id).toArray();
      if (!found.length) return { entityId: id, table: 'refs', reason: `no row for its ${field} → ${target}` };
    }
    return undefined;
  }

  private rowsAfter(at: SweepPosition, limit: number): Record<string, SqlStorageValue>[] {
    const keys = KEYS[at.table];
    const where = at.key.length ? `WHERE (${keys.join(', ')}) > (${keys.map(() => '?').join(', ')})` : '';
    return this.sql.exec(`SELECT * FROM ${at.table} ${where} ORDER BY ${keys.join(', ')} LIMIT ?`, ...at.key, limit).toArray();
  }

  // A row is implied by the stored state of the entity it names; that state was checked against the fold.
  private checkRow(table: StateTable, row: Record<string, SqlStorageValue>): Mismatch | undefined {
    if (table === 'entities') {
      const id = String(row['id']);
      const recorded = this.sql.exec('SELECT 1 FROM events WHERE entity_id = ? LIMIT 1', id).toArray().length > 0;
      return recorded ? undefined : { entityId: id, table, reason: 'a stored row that no event records' };
    }
    const [id, noun, field, holds] =
      table === 'uniques'
        ? [String(row['entity_id']), String(row['noun']), String(row['field']), (v: unknown) => typeof v === 'string' && normalizeUnique(v) === row['value']]
        : [String(row['source_id']), String(row['source_type']), String(row['field']), (v: unknown) => v === row['target_id']];
    const entityRow = this.sql.exec('SELECT * FROM entities WHERE id = ?', id).toArray()[0];
    const entity = entityRow ? rowToEntity(entityRow) : undefined;
    const schema = nounByName.get(noun);
    const indexed = schema && (table === 'uniques' ? fieldLists(schema).uniqueValues.includes(field) : fieldLists(schema).refs.some(([f]) => f === field));
    if (indexed && isLive(entity) && entity.type === noun && holds(entity.fields[field])) return undefined;
    const what = table === 'uniques' ? `${field} ${JSON.stringify(row['value'])}` : `${field} → ${String(row['target_id'])}`;
    return { entityId: id, table, reason: `a row for ${what} that its ${entity ? (isLive(entity) ? 'state' : 'tombstone') : 'missing row'} does not hold` };
  }
}

function nextTable(table: StateTable): SweepPosition | null {
  const next = SWEEP_ORDER[SWEEP_ORDER.indexOf(table) + 1];
  return next ? { table: next, key: [] } : null;
}

/** The first member where a stored entity and its fold differ, as a path (`fields.title`, `version`). */
function firstDifference(stored: Entity, folded: Entity): string | undefined {
  const top = ['type', 'version', 'createdAt', 'updatedAt', 'deletedAt', 'mergedInto'] as const;
  for (const key of top) if (stored[key] !== folded[key]) return `${key} (stored ${JSON.stringify(stored[key])}, folded ${JSON.stringify(folded[key])})`;
  const names = [...new Set([...Object.keys(stored.fields), ...Object.keys(folded.fields)])].sort();
  for (const name of names) {
    const [a, b] = [stored.fields[name], folded.fields[name]];
    if (canonicalJson(a ?? null) !== canonicalJson(b ?? null) || (a === undefined) !== (b === undefined)) {
      return `fields.${name} (stored ${a === undefined ? 'nothing' : JSON.stringify(a)}, folded ${b === undefined ? 'nothing' : JSON.stringify(b)})`;
    }
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
