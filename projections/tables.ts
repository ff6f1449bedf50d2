// The read model's tables, derived from the noun schemas: one table per noun, a real column per
// stored field, partial indexes over live rows for the fields one filters and sorts by. Nothing here
// names a field by hand, so a new field or noun flows through.
import type { FieldSpec, NounSchema } from '../domain/noun';
import { NOUNS } from '../domain/nouns';

export type StoredSpec = Exclude<FieldSpec, { kind: 'inverse' }>;

export interface Column {
  readonly field: string;
  /** Quoted SQL name; fields are identifiers, prefixed so they never meet a system column. */
  readonly sql: string;
  readonly spec: StoredSpec;
  readonly indexed: boolean;
  /**
   * A reference's index holds only the rows that have one: it serves lookups (`= ?`, `IN`, the graph
   * walks' joins, includes), which never ask for NULL, and not a sort (a sort by a reference orders
   * opaque ids; it sorts its matches instead). Most rows leave most references empty.
   */
  readonly sparse: boolean;
}

export interface NounTable {
  readonly noun: NounSchema;
  readonly columns: readonly Column[];
  readonly byField: ReadonlyMap<string, Column>;
  /** The free-text fields full-text search reads (names, emails, titles, …), in the FTS5 table. */
  readonly text: readonly Column[];
}

/** `$id`, `$createdAt`, `$updatedAt`: metadata one may filter and sort by too. */
export const SYSTEM_COLUMNS: Readonly<Record<string, string>> = {
  $id: 'id',
  $createdAt: 'created_at',
  $updatedAt: 'updated_at',
};

// References and declared indexes (#, ##) are looked up; enums, numbers, datetimes and booleans are
// what lists filter and sort by (stage, leadScore, lastEngagement). Free text is filtered by a scan.
export function isIndexed(spec: StoredSpec): boolean {
  return (
    spec.indexed || spec.kind === 'ref' || spec.kind === 'enum' || (spec.kind === 'scalar' && spec.base !== 'string')
  );
}

export function tableOf(noun: NounSchema): NounTable {
  const columns = Object.entries(noun.fields)
    .filter((entry): entry is [string, StoredSpec] => entry[1].kind !== 'inverse')
    .map(([field, spec]) => ({
      field,
      sql: `"f_${field}"`,
      spec,
      indexed: isIndexed(spec),
      sparse: spec.kind === 'ref',
    }));
  return {
    noun,
    columns,
    byField: new Map(columns.map((c) => [c.field, c])),
    text: columns.filter((c) => isText(noun, c)),
  };
}

// Words people search by: plain strings and emails; not URLs, zones or language codes.
function isText(noun: NounSchema, column: Column): boolean {
  const format = noun.formats[column.field];
  return column.spec.kind === 'scalar' && column.spec.base === 'string' && (format === undefined || format === 'email');
}

/** The FTS5 table beside a noun table: accents folded (Chén = chen); contentless (the index only, not the text). */
export function searchTableName(generation: number, noun: string): string {
  return `${tableName(generation, noun)}_fts`;
}

export const TABLES: ReadonlyMap<string, NounTable> = new Map(NOUNS.map((n) => [n.name, tableOf(n)]));

export function tableFor(noun: string): NounTable {
  const table = TABLES.get(noun);
  if (!table) throw new Error(`no read-model table for ${noun}`);
  return table;
}

/** The quoted SQL column of a noun's stored field: the one way SQL elsewhere names a field's column. */
export function columnOf(noun: string, field: string): string {
  const column = tableFor(noun).byField.get(field);
  if (!column) throw new Error(`no read-model column for ${noun}.${field}`);
  return column.sql;
}

/** The table of a noun in one generation (a rebuild writes the next generation beside the live one). */
export function tableName(generation: number, noun: string): string {
  return `rm${generation}_${noun.toLowerCase()}`;
}

function sqlType(spec: StoredSpec): string {
  if (spec.kind === 'scalar') return spec.base === 'number' ? 'REAL' : spec.base === 'boolean' ? 'INTEGER' : 'TEXT';
  return 'TEXT';
}

/** DDL of one generation's tables, each table followed by its indexes and its full-text table. */
export function createStatements(generation: number): string[] {
  return [...TABLES.values()].flatMap((table) => {
    const ddl = tableDdl(generation, table);
    return [ddl.table, ...ddl.indexes, ...ddl.search];
  });
}

/**
 * A rebuild's tables without their indexes (the full-text table empty): rows are written into bare
 * B-trees; `deferredIndexes` and `searchFillStatements` add the indexes and the full-text rows before the swap.
 */
export function bareStatements(generation: number): string[] {
  return [...TABLES.values()].flatMap((table) => {
    const ddl = tableDdl(generation, table);
    return [ddl.table, ...ddl.search];
  });
}

/** The indexes `bareStatements` left out, by name: a rebuild builds them one a transaction. */
export function deferredIndexes(generation: number): { name: string; sql: string }[] {
  return [...TABLES.values()].flatMap((table) =>
    tableDdl(generation, table).indexes.map((sql) => ({ name: sql.split(' ')[2]!, sql })),
  );
}

/** The full-text rows of a bare generation's live rows, in one pass per noun. */
export function searchFillStatements(generation: number): string[] {
  return [...TABLES.values()]
    .filter((table) => table.text.length)
    .map((table) => {
      const text = table.text.map((c) => c.sql).join(', ');
      return (
        `INSERT INTO ${searchTableName(generation, table.noun.name)} (rowid, ${text}) ` +
        `SELECT rowid, ${text} FROM ${tableName(generation, table.noun.name)} WHERE live = 1`
      );
    });
}

function tableDdl(generation: number, table: NounTable): { table: string; indexes: string[]; search: string[] } {
  const name = tableName(generation, table.noun.name);
  const columns = table.columns.map((c) => `${c.sql} ${sqlType(c.spec)}`).join(', ');
  return {
    table:
      `CREATE TABLE ${name} (id TEXT PRIMARY KEY, live INTEGER NOT NULL, merged_into TEXT, ` +
      `created_at TEXT NOT NULL, updated_at TEXT NOT NULL, entity TEXT NOT NULL, ${columns})`,
    indexes: [
      `CREATE INDEX ${name}__merged ON ${name} (merged_into) WHERE merged_into IS NOT NULL`,
      `CREATE INDEX ${name}__created ON ${name} (created_at, id) WHERE live = 1`,
      `CREATE INDEX ${name}__updated ON ${name} (updated_at, id) WHERE live = 1`,
      ...table.columns
        .filter((c) => c.indexed)
        .map(
          (c) =>
            `CREATE INDEX ${name}_${c.field} ON ${name} (${c.sql}, id) WHERE live = 1` +
            (c.sparse ? ` AND ${c.sql} IS NOT NULL` : ''),
        ),
    ],
    search: table.text.length
      ? [
          `CREATE VIRTUAL TABLE ${name}_fts USING fts5(${table.text.map((c) => c.sql).join(', ')}, ` +
            `tokenize = 'unicode61 remove_diacritics 2', content = '', contentless_delete = 1)`,
        ]
      : [],
  };
}

export function dropStatements(generation: number): string[] {
  return [...TABLES.values()].flatMap((t) => [
    `DROP TABLE IF EXISTS ${searchTableName(generation, t.noun.name)}`,
    `DROP TABLE IF EXISTS ${tableName(generation, t.noun.name)}`,
  ]);
}

/** Changes whenever the derived tables would: a read model built for another schema is rebuilt. */
export function schemaFingerprint(): string {
  return createStatements(0).join(';\n');
}

/** A field's value as SQLite stores it (booleans as 0/1, absent as NULL). */
export function toSql(value: unknown): SqlStorageValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
}
