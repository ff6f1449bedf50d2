// Checks the state the TenantLog stores (entities, uniques, refs) against the log, re-folded with the
// domain's own evolve: the stored state is trusted no more than the chain. Two halves, both bounded:
// - per entity, in the verify page that holds the entity's latest event: its row equals the fold of its
//   own events, and the uniques and refs rows that state implies are there;
// - per row, a sweep of entities, uniques and refs in key order (state-sweep.ts): every row is implied
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

export type Row = Record<string, SqlStorageValue>;

/** The first place where the stored state is not what the log folds to. */
export interface Mismatch {
  readonly entityId: string;
  readonly table: StateTable;
  readonly reason: string;
}

/** A uniques or refs row an entity's folded state implies. */
interface Expected {
  readonly key: string;
  readonly field: string;
  readonly value: string;
  readonly row: readonly string[];
}

/** One entity checked against its fold: a mismatch of its row, or the rows its state implies. */
interface EntityCheck {
  readonly id: string;
  readonly mismatch?: Mismatch;
  readonly uniques: readonly Expected[];
  readonly refs: readonly Expected[];
}

const FOLD_PAGE = 5_000;

// Each entity's first and last seq in the log, for a JSON array of ids.
const SPANS =
  'SELECT j.value AS id, (SELECT MIN(seq) FROM events WHERE entity_id = j.value) AS first,' +
  ' (SELECT MAX(seq) FROM events WHERE entity_id = j.value) AS last FROM json_each(?) j';
// Who holds each expected row, for a JSON array of keys: [noun, field, value] and [target, field, type, source].
const UNIQUE_HOLDERS =
  'SELECT j.key AS i, u.entity_id AS found FROM json_each(?) j LEFT JOIN uniques u' +
  ' ON u.noun = j.value ->> 0 AND u.field = j.value ->> 1 AND u.value = j.value ->> 2';
const REF_HOLDERS =
  'SELECT j.key AS i, r.source_id AS found FROM json_each(?) j LEFT JOIN refs r' +
  ' ON r.target_id = j.value ->> 0 AND r.field = j.value ->> 1' +
  ' AND r.source_type = j.value ->> 2 AND r.source_id = j.value ->> 3';

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
    for (const row of this.sql.exec(SPANS, ids))
      span.set(String(row['id']), { first: Number(row['first']), last: Number(row['last']) });
    const stored = new Map<string, Row>();
    for (const row of this.sql.exec('SELECT * FROM entities WHERE id IN (SELECT value FROM json_each(?))', ids))
      stored.set(String(row['id']), row);

    const checks: EntityCheck[] = [];
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
    const mismatch = this.firstMismatch(checks);
    return mismatch ? { mismatch, folded } : { folded };
  }

  // In the order of the checks: a row that differs from the fold, else an implied row that is missing.
  private firstMismatch(checks: readonly EntityCheck[]): Mismatch | undefined {
    const uniques = this.present(
      checks.flatMap((c) => c.uniques),
      UNIQUE_HOLDERS,
    );
    const refs = this.present(
      checks.flatMap((c) => c.refs),
      REF_HOLDERS,
    );
    for (const check of checks) {
      if (check.mismatch) return check.mismatch;
      for (const expected of check.uniques) {
        const owner = uniques.get(expected.key);
        if (owner === check.id) continue;
        const what = `its ${expected.field} ${JSON.stringify(expected.value)}`;
        const reason = owner ? `${what} is indexed to ${owner}` : `no row for ${what}`;
        return { entityId: check.id, table: 'uniques', reason };
      }
      const missing = check.refs.find((expected) => !refs.get(expected.key));
      if (missing) {
        return { entityId: check.id, table: 'refs', reason: `no row for its ${missing.field} → ${missing.value}` };
      }
    }
    return undefined;
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

  // The entity's whole history; a row that does not parse is a finding, not a crash.
  private eventsOf(id: string): StoredEvent[] | Mismatch {
    const events: StoredEvent[] = [];
    for (let after = 0; ; ) {
      const rows = this.sql
        .exec('SELECT * FROM events WHERE entity_id = ? AND seq > ? ORDER BY seq LIMIT ?', id, after, FOLD_PAGE)
        .toArray();
      for (const row of rows) {
        const event = parsed(() => rowToEvent(row));
        if (!event)
          return { entityId: id, table: 'entities', reason: `its event ${String(row['seq'])} does not parse` };
        events.push(event);
      }
      if (rows.length < FOLD_PAGE) return events;
      after = Number(rows.at(-1)!['seq']);
    }
  }

  // The stored row against the fold; when they agree, the uniques and refs rows the state implies.
  private checkEntity(id: string, folded: Entity, row: Row | undefined): EntityCheck {
    const none = { id, uniques: [], refs: [] };
    if (!row) {
      const reason = `no stored row; its events fold to version ${folded.version}`;
      return { ...none, mismatch: { entityId: id, table: 'entities', reason } };
    }
    const differs = sameAsStored(row, folded) ? undefined : whereDifferent(row, folded);
    if (differs) return { ...none, mismatch: { entityId: id, table: 'entities', reason: differs } };
    const noun = nounByName.get(folded.type);
    if (!noun || !isLive(folded)) return none;
    const lists = fieldLists(noun);
    const uniques = lists.uniqueValues.flatMap((field): Expected[] => {
      const value = folded.fields[field];
      if (typeof value !== 'string') return [];
      const row = [noun.name, field, normalizeUnique(value)];
      return [{ key: row.join('\u0000'), field, value, row }];
    });
    const refs = lists.refs.flatMap(([field]): Expected[] => {
      const target = folded.fields[field];
      if (typeof target !== 'string') return [];
      const row = [target, field, noun.name, id];
      return [{ key: row.join('\u0000'), field, value: target, row }];
    });
    return { id, uniques, refs };
  }
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

/** Where a stored row and the fold differ, as a path (`fields.title`); undefined if only in key order. */
function whereDifferent(row: Row, folded: Entity): string | undefined {
  const stored = parsed(() => rowToEntity(row));
  if (!stored) return 'the stored row does not parse';
  const shown = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));
  const at = (path: string, a: unknown, b: unknown) =>
    `the stored row differs from the fold of its events at ${path} (stored ${shown(a)}, folded ${shown(b)})`;
  const top = ['type', 'version', 'createdAt', 'updatedAt', 'deletedAt', 'mergedInto'] as const;
  for (const key of top) if (stored[key] !== folded[key]) return at(key, stored[key], folded[key]);
  if (typeof stored.fields !== 'object' || stored.fields === null || Array.isArray(stored.fields))
    return 'the stored row does not parse';
  const names = [...new Set([...Object.keys(stored.fields), ...Object.keys(folded.fields)])].sort();
  for (const name of names) {
    const [a, b] = [stored.fields[name], folded.fields[name]];
    if ((a === undefined) !== (b === undefined) || canonicalJson(a) !== canonicalJson(b))
      return at(`fields.${name}`, a, b);
  }
  return undefined;
}

function parsed<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
