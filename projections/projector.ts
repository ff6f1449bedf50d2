// Applies a run of events to one generation of the read model's tables, folding each entity with the
// domain's own evolve. Call inside the transaction that also moves the checkpoint.
import type { Entity } from '../domain/entity';
import { isLive } from '../domain/entity';
import type { StoredEvent } from '../domain/events';
import { evolve } from '../domain/evolve';
import { searchTableName, tableName, TABLES, toSql, type Column, type NounTable } from './tables';

export class Projector {
  constructor(
    private readonly sql: SqlStorage,
    private readonly generation: number,
    /** False while a rebuild defers its full-text rows (filled in one pass before the swap). */
    private readonly withSearch = true,
  ) {}

  /** Folds the events in memory, then writes each touched entity once. */
  apply(events: readonly StoredEvent[]): void {
    const touched = new Map<string, Entity>();
    for (const event of events) {
      // Events of things that are not nouns (settings, hook bookkeeping) have no table here.
      if (!TABLES.has(event.entityType)) continue;
      // A version-1 event starts its entity: there is nothing to load.
      const before =
        touched.get(event.entityId) ??
        (event.entityVersion === 1 ? undefined : this.load(event.entityType, event.entityId));
      touched.set(event.entityId, evolve(before, event));
    }
    if (this.withSearch) for (const entity of touched.values()) this.write(TABLES.get(entity.type)!, entity);
    else this.writeBare(touched.values());
  }

  /**
   * A rebuild's bare tables (no full-text rows to keep beside): the entities that share a table and a
   * set of present columns go in multi-row INSERTs, as many rows as MAX_BOUND values allow, so the
   * statement's fixed cost is paid once per batch instead of once per row. Same rows as `write`.
   */
  private writeBare(entities: Iterable<Entity>): void {
    const batches = new Map<string, { name: string; present: readonly Column[]; values: SqlStorageValue[] }>();
    for (const entity of entities) {
      const table = TABLES.get(entity.type)!;
      const name = tableName(this.generation, table.noun.name);
      const present = table.columns.filter((c) => toSql(entity.fields[c.field]) !== null);
      const key = `${name}${present.map((c) => `,${c.field}`).join('')}`;
      let batch = batches.get(key);
      if (batch === undefined) batches.set(key, (batch = { name, present, values: [] }));
      batch.values.push(...rowValues(entity), ...present.map((c) => toSql(entity.fields[c.field])));
      const width = BASE_COLUMNS + present.length;
      if (batch.values.length + width > MAX_BOUND) {
        this.sql.exec(insertStatement(name, present, batch.values.length / width), ...batch.values);
        batch.values = [];
      }
    }
    for (const { name, present, values } of batches.values())
      if (values.length)
        this.sql.exec(insertStatement(name, present, values.length / (BASE_COLUMNS + present.length)), ...values);
  }

  load(noun: string, id: string): Entity | undefined {
    const row = this.sql.exec(`SELECT entity FROM ${tableName(this.generation, noun)} WHERE id = ?`, id).toArray()[0];
    return row ? (JSON.parse(String(row['entity'])) as Entity) : undefined;
  }

  /** Writes one folded entity as it stands (tests use it to lay out states no command yet produces). */
  write(table: NounTable, entity: Entity): void {
    const name = tableName(this.generation, table.noun.name);
    const search = this.withSearch && table.text.length ? searchTableName(this.generation, table.noun.name) : undefined;
    // The full-text row shares the noun row's rowid, which a REPLACE renews: drop the old one first.
    // A version-1 entity is new and has none (the common case of a catch-up: one statement less).
    if (search && entity.version > 1)
      this.sql.exec(`DELETE FROM ${search} WHERE rowid = (SELECT rowid FROM ${name} WHERE id = ?)`, entity.id);
    // Only the fields the entity has are bound (a REPLACE leaves the others NULL): each bound value
    // costs, and an entity holds a few of its noun's two dozen fields.
    const present = table.columns.filter((c) => toSql(entity.fields[c.field]) !== null);
    const live = isLive(entity);
    this.sql.exec(
      insertStatement(name, present),
      ...rowValues(entity),
      ...present.map((c) => toSql(entity.fields[c.field])),
    );
    if (!search || !live) return;
    // The full-text row from the noun row just written: its values and its new rowid, in one statement
    // (`INSERT … RETURNING rowid` made a catch-up three times slower here).
    const text = table.text.map((c) => c.sql).join(', ');
    this.sql.exec(`INSERT INTO ${search} (rowid, ${text}) SELECT rowid, ${text} FROM ${name} WHERE id = ?`, entity.id);
  }
}

/** Bound values a statement may carry (Durable Objects' SQLite limit). */
const MAX_BOUND = 100;
/** id, live, merged_into, created_at, updated_at, entity: bound for every row. */
const BASE_COLUMNS = 6;

function rowValues(entity: Entity): SqlStorageValue[] {
  const live = isLive(entity);
  return [
    entity.id,
    live ? 1 : 0,
    entity.mergedInto ?? null,
    entity.createdAt,
    entity.updatedAt,
    JSON.stringify(entity),
  ];
}

// The INSERT of `rows` rows for one set of present columns, built once: a tenant's entities share a few such sets.
const statements = new Map<string, string>();
function insertStatement(name: string, present: readonly Column[], rows = 1): string {
  const columns = present.map((c) => `, ${c.sql}`).join('');
  const key = `${name}${columns}*${rows}`;
  let statement = statements.get(key);
  if (statement === undefined) {
    const tuple = `(?, ?, ?, ?, ?, ?${present.map(() => ', ?').join('')})`;
    statement =
      `INSERT OR REPLACE INTO ${name} (id, live, merged_into, created_at, updated_at, entity${columns}) ` +
      `VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
    if (statements.size < 1_000) statements.set(key, statement);
  }
  return statement;
}
