// Applies a run of events to one generation of the read model's tables, folding each entity with the
// domain's own evolve. Call inside the transaction that also moves the checkpoint.
import type { Entity } from '../domain/entity';
import { isLive } from '../domain/entity';
import type { StoredEvent } from '../domain/events';
import { evolve } from '../domain/evolve';
import { searchTableName, tableName, TABLES, toSql, type NounTable } from './tables';

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
    for (const entity of touched.values()) this.write(TABLES.get(entity.type)!, entity);
  }

  load(noun: string, id: string): Entity | undefined {
    const row = this.sql.exec(`SELECT entity FROM ${tableName(this.generation, noun)} WHERE id = ?`, id).toArray()[0];
    return row ? (JSON.parse(String(row['entity'])) as Entity) : undefined;
  }

  /** Writes one folded entity as it stands (tests use it to lay out states no command yet produces). */
  write(table: NounTable, entity: Entity): void {
    const name = tableName(this.generation, table.noun.name);
    const columns = table.columns.map((c) => c.sql).join(', ');
    const marks = table.columns.map(() => '?').join(', ');
    const search = this.withSearch && table.text.length ? searchTableName(this.generation, table.noun.name) : undefined;
    // The full-text row shares the noun row's rowid, which a REPLACE renews: drop the old one first.
    // A version-1 entity is new and has none (the common case of a catch-up: one statement less).
    if (search && entity.version > 1) {
      const old = this.sql.exec(`SELECT rowid FROM ${name} WHERE id = ?`, entity.id).toArray()[0];
      if (old) this.sql.exec(`DELETE FROM ${search} WHERE rowid = ?`, old['rowid']);
    }
    const live = isLive(entity);
    this.sql.exec(
      `INSERT OR REPLACE INTO ${name} (id, live, merged_into, created_at, updated_at, entity, ${columns})
       VALUES (?, ?, ?, ?, ?, ?, ${marks})`,
      entity.id,
      live ? 1 : 0,
      entity.mergedInto ?? null,
      entity.createdAt,
      entity.updatedAt,
      JSON.stringify(entity),
      ...table.columns.map((c) => toSql(entity.fields[c.field])),
    );
    if (!search || !live) return;
    // The new rowid read back by id: `INSERT … RETURNING rowid` made a catch-up three times slower here.
    this.sql.exec(
      `INSERT INTO ${search} (rowid, ${table.text.map((c) => c.sql).join(', ')})
       VALUES (?, ${table.text.map(() => '?').join(', ')})`,
      this.sql.exec(`SELECT rowid FROM ${name} WHERE id = ?`, entity.id).one()['rowid'],
      ...table.text.map((c) => toSql(entity.fields[c.field])),
    );
  }
}
