// Import: restores an export into an empty tenant. Pages of lines are verified with the shared chain
// verifier and folded with the domain's evolve as they arrive, into staging tables; nothing touches the
// live tables until the commit, which checks the tenant is still empty and moves everything in one
// transaction. A refused import (a broken line, a redaction nobody vouches for, a write that raced it)
// drops the staging rows, so nothing of it stays.
import { ChainVerifier } from '../domain/chain-verifier';
import type { Entity } from '../domain/entity';
import { evolve } from '../domain/evolve';
import { parseExportLine, rawDataOf } from '../domain/export-line';
import type { StoredEvent } from '../domain/events';
import type { EventStore } from './event-store';
import { failure, ok, type Result } from '../shared/protocol';
import type { Transactions } from './unit-of-work';

const COLUMNS = [
  'seq',
  'id',
  'type',
  'entity_type',
  'entity_id',
  'entity_version',
  'time',
  'actor',
  'causation_id',
  'correlation_id',
  'data',
  'data_hash',
  'prev_hash',
  'hash',
].join(', ');

const STAGING = `
  CREATE TABLE IF NOT EXISTS import_events (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, entity_version INTEGER NOT NULL,
    time TEXT NOT NULL, actor TEXT NOT NULL, causation_id TEXT, correlation_id TEXT,
    data TEXT NOT NULL, data_hash TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS import_entities (id TEXT PRIMARY KEY, entity TEXT NOT NULL) WITHOUT ROWID;
`;

type OpenImport = { id: string; verifier: ChainVerifier; lineNo: number };
/** Where and why an import line was refused. */
type Refusal = { seq: number; reason: string };

export interface ImportProgress {
  readonly id: string;
  readonly seq: number;
  readonly hash: string;
}

export class Importer {
  private open: OpenImport | undefined;

  constructor(
    private readonly tx: Transactions,
    private readonly sql: SqlStorage,
    private readonly store: EventStore,
  ) {}

  /** Starts an import, replacing any earlier unfinished one; 409 when the tenant has events. */
  begin(id: string): Result<ImportProgress> {
    if (this.store.headSeq > 0)
      return failure(
        'conflict',
        `the tenant has ${this.store.headSeq} events: import restores into an empty tenant only`,
      );
    this.tx.run(() => {
      this.dropStaging();
      this.sql.exec(STAGING);
    });
    const verifier = new ChainVerifier();
    this.open = { id, verifier, lineNo: 0 };
    return ok({ id, ...verifier.head });
  }

  /** Verifies, folds and stages one page of lines; the first broken one refuses the whole import. */
  page(id: string, text: string): Result<ImportProgress> {
    const open = this.open;
    if (!open || open.id !== id)
      return failure('conflict', 'this import is no longer open (another began, or the object restarted): start again');
    // The verifier's head and the line count move inside the transaction: if it throws, this import cannot go
    // on from memory that disk no longer backs, so it is closed (the client starts again).
    let refused: Refusal | null;
    try {
      refused = this.runPage(open, text);
    } catch (error) {
      this.open = undefined;
      throw error;
    }
    if (refused) return this.refuse(refused);
    return ok({ id, ...open.verifier.head });
  }

  private runPage(open: OpenImport, text: string): Refusal | null {
    return this.tx.run(() => {
      // The page's folded entities stay in memory and are written once at its end.
      const staged = new Map<string, Entity>();
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        open.lineNo++;
        const event = parseExportLine(line);
        if ('reason' in event)
          return { seq: open.verifier.head.seq + 1, reason: `line ${open.lineNo}: ${event.reason}` };
        const broken = open.verifier.push(event, rawDataOf(line)) ?? this.stage(event, staged);
        if (broken) return broken;
      }
      for (const [entityId, entity] of staged) {
        const json = JSON.stringify(entity);
        this.sql.exec('INSERT OR REPLACE INTO import_entities (id, entity) VALUES (?, ?)', entityId, json);
      }
      return null;
    });
  }

  /** Moves the staged log and state live in one transaction, once every redaction is vouched for. */
  commit(id: string): Result<ImportProgress> {
    const open = this.open;
    if (!open || open.id !== id) return failure('conflict', 'this import is no longer open: start again');
    const refused = open.verifier.finish();
    if (refused) return this.refuse(refused);
    if (this.store.headSeq > 0) return this.refuse(null, 'the tenant was written to during the import');
    try {
      this.tx.run(() => {
        this.sql.exec(`INSERT INTO events (${COLUMNS}) SELECT ${COLUMNS} FROM import_events ORDER BY seq`);
        // A cursor, not an array: the staged state of a large import never sits in memory whole.
        for (const row of this.sql.exec('SELECT entity FROM import_entities')) {
          this.store.restoreEntity(JSON.parse(String(row['entity'])) as Entity);
        }
        this.dropStaging();
      });
    } catch (error) {
      // e.g. two live entities with one unique email: the state the log folds to is not one we can hold.
      this.store.reloadHead();
      return this.refuse(null, `the folded state cannot be stored (${(error as Error).message})`);
    }
    this.store.reloadHead();
    this.open = undefined;
    return ok({ id, ...open.verifier.head });
  }

  /** Gives up an import (the client went away, or it was refused): its staging rows go. */
  abort(id: string): void {
    if (this.open?.id !== id) return;
    this.open = undefined;
    this.tx.run(() => this.dropStaging());
  }

  private refuse(found: { seq: number; reason: string } | null, message?: string): Result<ImportProgress> {
    const id = this.open?.id;
    if (id) this.abort(id);
    if (!found) return failure('conflict', `import refused: ${message}; nothing was imported`);
    return failure('invalid', `import refused at seq ${found.seq}: ${found.reason}; nothing was imported`, {
      errors: [{ path: `/seq/${found.seq}`, message: found.reason }],
      extra: { seq: found.seq, reason: found.reason },
    });
  }

  // Folds with the domain's evolve into the staged state; versions must follow each entity's history.
  private stage(event: StoredEvent, staged: Map<string, Entity>): Refusal | null {
    const sql = this.sql;
    let before = staged.get(event.entityId);
    if (!before) {
      const row = sql.exec('SELECT entity FROM import_entities WHERE id = ?', event.entityId).toArray()[0];
      before = row ? (JSON.parse(String(row['entity'])) as Entity) : undefined;
    }
    const expected = (before?.version ?? 0) + 1;
    if (event.entityVersion !== expected)
      return {
        seq: event.seq,
        reason: `entityversion ${event.entityVersion} of ${event.entityId}, expected ${expected}`,
      };
    if (before && before.type !== event.entityType)
      return { seq: event.seq, reason: `${event.entityId} is a ${before.type}, not a ${event.entityType}` };
    try {
      this.insert(event);
    } catch {
      // The only constraint an event that continues the chain can break: its id is UNIQUE.
      return { seq: event.seq, reason: `event id ${event.id} appears twice` };
    }
    staged.set(event.entityId, evolve(before, event));
    return null;
  }

  private insert(event: StoredEvent): void {
    this.sql.exec(
      `INSERT INTO import_events (${COLUMNS})
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      event.seq,
      event.id,
      event.type,
      event.entityType,
      event.entityId,
      event.entityVersion,
      event.time,
      event.actor,
      event.causationId,
      event.correlationId,
      JSON.stringify(event.data),
      event.dataHash,
      event.prevHash,
      event.hash,
    );
  }

  private dropStaging(): void {
    this.sql.exec('DROP TABLE IF EXISTS import_events; DROP TABLE IF EXISTS import_entities;');
  }
}
