// Compiles a ListQuery to SQL over one generation's noun table: conditions on real columns, keyset
// pagination after the last row's (sort values, id). ASC puts absent values first, DESC last, as
// SQLite orders NULLs; ties break by id in the direction of the last key.
import { RANK, type Condition, type ListQuery, type Position, type Scalar, type SortKey } from './list-query';
import { columnOf, searchTableName, SYSTEM_COLUMNS, tableName, toSql } from './tables';

export interface CompiledList {
  readonly sql: string;
  readonly params: SqlStorageValue[];
}

/** A list's column: the full-text rank, a system column, or the field's stored column (tables.ts). */
function listColumnOf(noun: string, field: string): string {
  if (field === RANK) return 'fts.fts_rank';
  return Object.hasOwn(SYSTEM_COLUMNS, field) ? SYSTEM_COLUMNS[field]! : columnOf(noun, field);
}

// `+col` keeps SQLite off a column's index, so it walks the sort's index instead.
function conditionSql(noun: string, c: Condition, params: SqlStorageValue[], viaSortIndex: boolean): string {
  const col = `${viaSortIndex ? '+' : ''}${listColumnOf(noun, c.field)}`;
  switch (c.op) {
    case '$eq':
      params.push(toSql(c.value));
      return `${col} = ?`;
    case '$ne':
      params.push(toSql(c.value));
      return `(${col} IS NULL OR ${col} <> ?)`;
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      params.push(toSql(c.value));
      return `${col} ${{ $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[c.op]} ?`;
    case '$in':
      params.push(JSON.stringify(c.value.map(toSql)));
      return `${col} IN (SELECT value FROM json_each(?))`;
    case '$nin':
      params.push(JSON.stringify(c.value.map(toSql)));
      return `(${col} IS NULL OR ${col} NOT IN (SELECT value FROM json_each(?)))`;
    case '$exists':
      return c.value ? `${col} IS NOT NULL` : `${col} IS NULL`;
    default: {
      const _exhaustive: never = c;
      return _exhaustive;
    }
  }
}

// Strictly after `value` on one key: ASC has NULLs first, DESC has them last.
function afterSql(col: string, desc: boolean, value: Scalar | null, params: SqlStorageValue[]): string {
  if (value === null) return desc ? '0' : `${col} IS NOT NULL`;
  params.push(toSql(value));
  return desc ? `(${col} < ? OR ${col} IS NULL)` : `${col} > ?`;
}

function equalSql(col: string, value: Scalar | null, params: SqlStorageValue[]): string {
  if (value === null) return `${col} IS NULL`;
  params.push(toSql(value));
  return `${col} = ?`;
}

/** (k1, …, kn, id) strictly after the position, lexicographically. */
function keysetSql(noun: string, sort: readonly SortKey[], after: Position, params: SqlStorageValue[]): string {
  const tieDesc = sort.at(-1)?.desc ?? false;
  const alternatives: string[] = [];
  for (let i = 0; i <= sort.length; i++) {
    const parts = sort
      .slice(0, i)
      .map((k, j) => equalSql(listColumnOf(noun, k.field), after.values[j] ?? null, params));
    if (i < sort.length)
      parts.push(afterSql(listColumnOf(noun, sort[i]!.field), sort[i]!.desc, after.values[i] ?? null, params));
    else {
      params.push(after.id);
      parts.push(tieDesc ? 'id < ?' : 'id > ?');
    }
    alternatives.push(parts.join(' AND '));
  }
  return `(${alternatives.map((a) => `(${a})`).join(' OR ')})`;
}

// A search joins the rows its FTS5 table matches (sharing their rowid), with their rank.
function fromSql(generation: number, query: ListQuery, params: SqlStorageValue[]): string {
  const table = tableName(generation, query.noun);
  if (query.search === undefined) return table;
  const search = searchTableName(generation, query.noun);
  params.push(query.search);
  return `${table} JOIN (SELECT rowid AS fts_rowid, rank AS fts_rank FROM ${search} WHERE ${search} MATCH ?) fts
    ON fts.fts_rowid = ${table}.rowid`;
}

/** The filters alone, to count how many rows they leave (see ReadView.list). */
export function compileCount(generation: number, query: ListQuery, cap: number): CompiledList {
  const params: SqlStorageValue[] = [];
  const where = ['live = 1', ...query.where.map((c) => conditionSql(query.noun, c, params, false))];
  params.push(cap);
  return {
    sql: `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${tableName(generation, query.noun)}
      WHERE ${where.join(' AND ')} LIMIT ?)`,
    params,
  };
}

/**
 * One page plus one row (to know whether there is a next page), with the sort values of each row.
 * `viaSortIndex` walks the first sort key's index and filters on the way: right when many rows match.
 */
export function compileList(generation: number, query: ListQuery, viaSortIndex = false): CompiledList {
  const params: SqlStorageValue[] = [];
  const from = fromSql(generation, query, params);
  const where = ['live = 1', ...query.where.map((c) => conditionSql(query.noun, c, params, viaSortIndex))];
  if (query.after) where.push(keysetSql(query.noun, query.sort, query.after, params));
  const tieDesc = query.sort.at(-1)?.desc ?? false;
  const order = [
    ...query.sort.map((k) => `${listColumnOf(query.noun, k.field)} ${k.desc ? 'DESC' : 'ASC'}`),
    `id ${tieDesc ? 'DESC' : 'ASC'}`,
  ];
  const keys = query.sort.map((k, i) => `, ${listColumnOf(query.noun, k.field)} AS k${i}`).join('');
  params.push(query.limit + 1);
  return {
    // A search sorts ids only: the sorter would otherwise copy every match's whole entity.
    sql: `SELECT id${query.search === undefined ? ', entity' : ''}${keys} FROM ${from}
      WHERE ${where.join(' AND ')} ORDER BY ${order.join(', ')} LIMIT ?`,
    params,
  };
}
