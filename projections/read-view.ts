// Reading one generation of the read model: rows by id, merges followed, lists run. Graphs and the
// ReadModel's queries are built on these few reads.
import { represent, type Entity, type Representation } from '../domain/entity';
import { nounByName, nounOfId } from '../domain/nouns';
import type { Failure } from '../shared/protocol';
import { compileCount, compileList } from './list-sql';
import type { ListQuery, Position, Scalar } from './list-query';
import { columnOf, SYSTEM_COLUMNS, tableFor, tableName } from './tables';

/** Merge chains and alias sets are followed this far at most (bad data must not loop). */
export const MAX_HOPS = 100;
export const INCLUDE_LIMIT = 1_000;
export const SORT_INDEX_THRESHOLD = 2_000;

export interface Page {
  readonly data: Representation[];
  readonly next: Position | null;
}

export class ReadView {
  constructor(
    readonly sql: SqlStorage,
    readonly generation: number,
  ) {}

  table(noun: string): string {
    return tableName(this.generation, noun);
  }

  entity(noun: string, id: string): Entity | undefined {
    const row = this.sql.exec(`SELECT entity FROM ${this.table(noun)} WHERE id = ?`, id).toArray()[0];
    return row ? (JSON.parse(String(row['entity'])) as Entity) : undefined;
  }

  /** The live entity an id stands for now, following merges; a failure says why there is none. */
  resolve(noun: string, id: string): Entity | Failure {
    let entity = this.entity(noun, id);
    for (let hops = 0; entity?.mergedInto && hops < MAX_HOPS; hops++) entity = this.entity(noun, entity.mergedInto);
    if (!entity) return { code: 'not_found', message: `no ${noun} ${id}` };
    if (entity.deletedAt)
      return { code: 'gone', message: `${noun} ${entity.id} was deleted`, extra: { deletedAt: entity.deletedAt } };
    if (entity.mergedInto)
      return { code: 'not_found', message: `${noun} ${id} merges into a chain too long to follow` };
    return entity;
  }

  /** The id and every id merged into it (directly or through other merges): all name the same entity. */
  aliases(noun: string, id: string): string[] {
    const rows = this.sql.exec(
      `WITH RECURSIVE names(id, hops) AS (SELECT ?, 0 UNION SELECT t.id, n.hops + 1
         FROM names n JOIN ${this.table(noun)} t ON t.merged_into = n.id WHERE n.hops < ?)
       SELECT DISTINCT id FROM names`,
      id,
      MAX_HOPS,
    );
    return rows.toArray().map((r) => String(r['id']));
  }

  list(query: ListQuery): Page {
    const { sql, params } = compileList(this.generation, query, this.manyMatch(query));
    const rows = this.sql.exec(sql, ...params).toArray();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const next =
      rows.length > query.limit && last
        ? { values: query.sort.map((_, i) => (last[`k${i}`] ?? null) as Scalar | null), id: String(last['id']) }
        : null;
    const entities =
      query.search === undefined
        ? page.map((r) => String(r['entity']))
        : this.entitiesOf(
            query.noun,
            page.map((r) => String(r['id'])),
          );
    return { data: entities.map((e) => this.withIncludes(JSON.parse(e) as Entity, query.include)), next };
  }

  // The stored entities of a page of ids, in the page's order.
  private entitiesOf(noun: string, ids: string[]): string[] {
    const rows = this.sql
      .exec(
        `SELECT id, entity FROM ${this.table(noun)} WHERE id IN (SELECT value FROM json_each(?))`,
        JSON.stringify(ids),
      )
      .toArray();
    const byId = new Map(rows.map((r) => [String(r['id']), String(r['entity'])]));
    return ids.map((id) => byId.get(id)!);
  }

  // SQLite takes a filter's index and sorts what it finds, even when the filter keeps 20% of a big
  // table. A capped count decides: past SORT_INDEX_THRESHOLD matches, walking the sort's index and
  // filtering finds a page within a few thousand rows; below it, sorting the matches is cheaper.
  private manyMatch(query: ListQuery): boolean {
    const first = query.sort[0];
    if (!first || query.where.length === 0 || query.search !== undefined) return false;
    const column = tableFor(query.noun).byField.get(first.field);
    // A sparse index lacks the rows without a value, so it cannot walk a sort (tables.ts).
    if (!Object.hasOwn(SYSTEM_COLUMNS, first.field) && !(column?.indexed && !column.sparse)) return false;
    const { sql, params } = compileCount(this.generation, query, SORT_INDEX_THRESHOLD + 1);
    return Number(this.sql.exec(sql, ...params).one()['n']) > SORT_INDEX_THRESHOLD;
  }

  withIncludes(entity: Entity, include: readonly string[]): Representation {
    const out = represent(entity);
    for (const name of include) out[name] = this.included(entity, name);
    return out;
  }

  // As on a single read: a reference is the live entity (merges followed) or null; an inverse lists
  // the live entities pointing at this one or at anything merged into it.
  private included(entity: Entity, name: string): Representation | Representation[] | null {
    const spec = nounByName.get(entity.type)?.fields[name];
    if (spec?.kind === 'ref') {
      const id = entity.fields[name];
      const target = typeof id === 'string' ? this.resolve(nounOfId(id)?.name ?? spec.target, id) : undefined;
      return target && !('code' in target) ? represent(target) : null;
    }
    if (spec?.kind === 'inverse') {
      const column = columnOf(spec.target, spec.field);
      const rows = this.sql.exec(
        `SELECT entity FROM ${this.table(spec.target)}
         WHERE live = 1 AND ${column} IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?`,
        JSON.stringify(this.aliases(entity.type, entity.id)),
        INCLUDE_LIMIT,
      );
      return rows.toArray().map((r) => represent(JSON.parse(String(r['entity'])) as Entity));
    }
    return null;
  }
}
