// Physical erasure. SQLite keeps the bytes of overwritten rows in free pages and in its write-ahead log,
// and a Durable Object may neither VACUUM nor checkpoint it (those pragmas are refused). So after an
// erasure the object copies its rows (already redacted) to a scratch object, deletes all its storage
// (which resets the database and WAL files) and copies them back. Requests wait meanwhile. A marker
// table written right after the reset lets a restarted object finish the copy back from the scratch.
const PAGE = 1_000;
const MARKER = '_compaction';
// SQLite's own tables and the runtime's (`_cf_…`) are not ours to copy; `_` is a LIKE wildcard, hence ESCAPE.
const OWN_TABLES = "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'";

type Cell = SqlStorageValue | { readonly $b64: string };

/** A page of copied rows: schema statements (table ''), then rows of each table as JSON arrays. */
export interface ScratchRow {
  readonly n: number;
  readonly table: string;
  readonly row: string;
}

export interface ScratchClient {
  scratchReset(): Promise<void>;
  scratchPut(rows: ScratchRow[]): Promise<void>;
  scratchRead(after: number, limit: number): Promise<ScratchRow[]>;
}

function encode(value: SqlStorageValue): Cell {
  if (value instanceof ArrayBuffer) return { $b64: btoa(String.fromCharCode(...new Uint8Array(value))) };
  return value;
}

function decode(cell: Cell): SqlStorageValue {
  if (cell !== null && typeof cell === 'object' && '$b64' in cell)
    return Uint8Array.from(atob(cell.$b64), (c) => c.charCodeAt(0)).buffer;
  return cell as SqlStorageValue;
}

export class Compactor {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly scratch: () => ScratchClient,
  ) {}

  /** True when a copy back was interrupted: the object must finish it before serving anything. */
  interrupted(): boolean {
    return (
      this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", MARKER).toArray()
        .length > 0
    );
  }

  /**
   * Rewrites the whole database so no free page or WAL frame keeps a byte it no longer holds.
   * `crashAfterReset` stops right after the reset, as a crash there would (the restart test's fault).
   */
  async compact(crashAfterReset = false): Promise<void> {
    await this.ctx.blockConcurrencyWhile(async () => {
      const sql = this.ctx.storage.sql;
      const scratch = this.scratch();
      await scratch.scratchReset();
      let n = 0;
      const schema = sql
        .exec(
          `SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ${OWN_TABLES}
               ORDER BY type = 'table' DESC, rowid`,
        )
        .toArray();
      await scratch.scratchPut(schema.map((s) => ({ n: ++n, table: '', row: String(s['sql']) })));
      for (const { name } of schema.filter((s) => s['type'] === 'table')) {
        for (let offset = 0; ; offset += PAGE) {
          const rows = [...sql.exec(`SELECT * FROM "${String(name)}" LIMIT ? OFFSET ?`, PAGE, offset).raw()];
          if (rows.length === 0) break;
          await scratch.scratchPut(
            rows.map((r) => ({ n: ++n, table: String(name), row: JSON.stringify(r.map(encode)) })),
          );
        }
      }
      const alarm = await this.ctx.storage.getAlarm();
      await this.ctx.storage.deleteAll();
      sql.exec(`CREATE TABLE ${MARKER} (alarm INTEGER)`);
      sql.exec(`INSERT INTO ${MARKER} (alarm) VALUES (?)`, alarm);
      if (crashAfterReset) return;
      await this.copyBack();
    });
  }

  /** Copies the scratch rows back (from the start: a resumed copy drops what an earlier try wrote). */
  async copyBack(): Promise<void> {
    const sql = this.ctx.storage.sql;
    const scratch = this.scratch();
    // Views too (event_appends): the copied schema creates them again, with their triggers.
    const tables = sql
      .exec(
        `SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND ${OWN_TABLES} AND name <> ?`,
        MARKER,
      )
      .toArray();
    for (const { type, name } of tables)
      sql.exec(`DROP ${type === 'view' ? 'VIEW' : 'TABLE'} IF EXISTS "${String(name)}"`);
    for (let after = 0; ; ) {
      const page = await scratch.scratchRead(after, PAGE);
      if (page.length === 0) break;
      this.ctx.storage.transactionSync(() => {
        for (const { table, row } of page) {
          if (table === '') sql.exec(row);
          else {
            const cells = (JSON.parse(row) as Cell[]).map(decode);
            sql.exec(`INSERT INTO "${table}" VALUES (${cells.map(() => '?').join(', ')})`, ...cells);
          }
        }
      });
      after = page.at(-1)!.n;
    }
    const alarm = sql.exec(`SELECT alarm FROM ${MARKER}`).toArray()[0]?.['alarm'];
    sql.exec(`DROP TABLE ${MARKER}`);
    if (typeof alarm === 'number') await this.ctx.storage.setAlarm(alarm);
    await scratch.scratchReset();
  }
}

/** The scratch side: a plain table of copied rows in another object of the same class. */
export const scratchSide = {
  async reset(storage: DurableObjectStorage): Promise<void> {
    await storage.deleteAll();
  },
  put(sql: SqlStorage, rows: ScratchRow[]): void {
    sql.exec('CREATE TABLE IF NOT EXISTS scratch_rows (n INTEGER PRIMARY KEY, tbl TEXT NOT NULL, row TEXT NOT NULL)');
    for (const { n, table, row } of rows)
      sql.exec('INSERT INTO scratch_rows (n, tbl, row) VALUES (?, ?, ?)', n, table, row);
  },
  read(sql: SqlStorage, after: number, limit: number): ScratchRow[] {
    const exists = sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'scratch_rows'").toArray().length > 0;
    if (!exists) return [];
    return sql
      .exec('SELECT n, tbl, row FROM scratch_rows WHERE n > ? ORDER BY n LIMIT ?', after, limit)
      .toArray()
      .map((r) => ({ n: Number(r['n']), table: String(r['tbl']), row: String(r['row']) }));
  },
};
