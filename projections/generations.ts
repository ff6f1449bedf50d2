// The read model's generations of tables: one live, at most one being rebuilt beside it, each with its
// checkpoint. Synchronous SQL throughout; the ReadModel calls it inside its transactions.
import type { StoredEvent } from '../domain/events';
import { Projector } from './projector';
import { createStatements, dropStatements, schemaFingerprint } from './tables';

export interface Generation {
  readonly generation: number;
  readonly checkpoint: number;
}

export class Generations {
  constructor(private readonly sql: SqlStorage) {}

  /** Creates the bookkeeping; tables derived from another schema are dropped and refilled from seq 0. */
  setUp(): void {
    this.sql.exec('CREATE TABLE IF NOT EXISTS rm_generations (generation INTEGER PRIMARY KEY, checkpoint INTEGER NOT NULL, live INTEGER NOT NULL, fingerprint TEXT NOT NULL)');
    this.sql.exec('CREATE TABLE IF NOT EXISTS rm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const current = this.sql.exec('SELECT fingerprint FROM rm_generations WHERE live = 1').toArray()[0];
    if (current && current['fingerprint'] === schemaFingerprint()) return;
    for (const row of this.sql.exec('SELECT generation FROM rm_generations').toArray()) this.drop(Number(row['generation']));
    this.create(1, true);
  }

  live(): Generation {
    return this.row('SELECT generation, checkpoint FROM rm_generations WHERE live = 1')!;
  }

  rebuilding(): Generation | undefined {
    return this.row('SELECT generation, checkpoint FROM rm_generations WHERE live = 0');
  }

  /** Starts the next generation beside the live one, unless one is under way. */
  startRebuild(): void {
    if (this.rebuilding()) return;
    this.create(Number(this.sql.exec('SELECT MAX(generation) AS g FROM rm_generations').one()['g'] ?? 0) + 1, false);
  }

  /** Makes the rebuilt generation live once it reached the live checkpoint; drops the old one. */
  swapIfCaughtUp(): boolean {
    const next = this.rebuilding();
    const live = this.live();
    if (!next || next.checkpoint < live.checkpoint) return false;
    this.drop(live.generation);
    this.sql.exec('UPDATE rm_generations SET live = 1 WHERE generation = ?', next.generation);
    return true;
  }

  /** Applies the events past a generation's checkpoint and moves it. Call inside a transaction. */
  apply(generation: number, events: readonly StoredEvent[]): void {
    const row = this.sql.exec('SELECT checkpoint FROM rm_generations WHERE generation = ?', generation).toArray()[0];
    if (!row) return; // swapped away while the pull was under way
    const checkpoint = Number(row['checkpoint']);
    const fresh = events.filter((e) => e.seq > checkpoint);
    if (fresh.length === 0) return;
    if (fresh[0]!.seq !== checkpoint + 1) throw new Error(`gap in the pulled events: expected seq ${checkpoint + 1}, got ${fresh[0]!.seq}`);
    new Projector(this.sql, generation).apply(fresh);
    this.sql.exec('UPDATE rm_generations SET checkpoint = ? WHERE generation = ?', fresh.at(-1)!.seq, generation);
  }

  meta(key: string): string | undefined {
    const value = this.sql.exec('SELECT value FROM rm_meta WHERE key = ?', key).toArray()[0]?.['value'];
    return value === undefined ? undefined : String(value);
  }

  rememberOnce(key: string, value: string): void {
    this.sql.exec('INSERT OR IGNORE INTO rm_meta (key, value) VALUES (?, ?)', key, value);
  }

  private row(query: string): Generation | undefined {
    const row = this.sql.exec(query).toArray()[0];
    return row ? { generation: Number(row['generation']), checkpoint: Number(row['checkpoint']) } : undefined;
  }

  private create(generation: number, live: boolean): void {
    for (const statement of createStatements(generation)) this.sql.exec(statement);
    this.sql.exec('INSERT INTO rm_generations (generation, checkpoint, live, fingerprint) VALUES (?, 0, ?, ?)', generation, live ? 1 : 0, schemaFingerprint());
  }

  private drop(generation: number): void {
    for (const statement of dropStatements(generation)) this.sql.exec(statement);
    this.sql.exec('DELETE FROM rm_generations WHERE generation = ?', generation);
  }
}
