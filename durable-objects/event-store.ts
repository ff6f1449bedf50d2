// The TenantLog's storage: append-only chained events and the state folded from them, written in
// the caller's unit of work (unit-of-work.ts). Synchronous throughout: nothing here awaits, so no
// request interleaves. The head and the entity cache mirror SQLite and follow its commits.
import type { Entity } from '../domain/entity';
import type { EventData } from '../domain/event-types';
import { isLive } from '../domain/entity';
import { chain, GENESIS_HASH, type DomainEvent, type StoredEvent } from '../domain/events';
import { evolve } from '../domain/evolve';
import { normalizeUnique } from '../domain/formats';
import { fieldLists } from '../domain/field-lists';
import { nounByName } from '../domain/nouns';
import type { StateView } from '../domain/state-view';
import { likeForms, type TypePatterns } from '../domain/type-patterns';
import { withDefaults } from '../domain/stage-machine';
import { eventPageAfter } from './event-page';
import type { MemoryMirror } from './unit-of-work';

export interface AppendMeta {
  readonly time: string;
  readonly actor: string;
  readonly newEventId: () => string;
  readonly causationId?: string | null;
  readonly correlationId?: string | null;
}

type Row = Record<string, SqlStorageValue>;

// Entities read or written recently, so a command does not read and parse the same row two or three
// times (decide, append, the answer). Bounded, so the heap stays flat as a tenant grows. It holds what
// SQLite holds inside the open transaction (only that transaction's synchronous code can read it), and
// is cleared on any rollback, so it never outlives an uncommitted write.
const CACHE_LIMIT = 5_000;

export class EventStore implements StateView, MemoryMirror {
  private head: { seq: number; hash: string };
  private readonly cache = new Map<string, Entity | null>();

  /** `onAppend` runs inside the append's transaction (the outbox schedules its kick there). */
  constructor(
    private readonly sql: SqlStorage,
    private readonly onAppend: (events: readonly StoredEvent[]) => void = () => {},
  ) {
    const last = sql.exec('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').toArray()[0];
    this.head = last ? { seq: Number(last['seq']), hash: String(last['hash']) } : { seq: 0, hash: GENESIS_HASH };
  }

  /** The last seq: inside a unit of work, including what it appended so far. */
  get headSeq(): number {
    return (this.pending ?? this.head).seq;
  }

  get(id: string): Entity | undefined {
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached ?? undefined;
    const row = this.sql.exec('SELECT * FROM entities WHERE id = ?', id).toArray()[0];
    const entity = row ? rowToEntity(row) : undefined;
    this.remember(id, entity);
    return entity;
  }

  /**
   * An id the log has just minted (a monotonic ULID of this object): no row can hold it, so the create
   * that uses it needs no read to learn so. What is remembered is true on disk, so it needs no rollback.
   */
  minted(id: string): void {
    this.remember(id, undefined);
  }

  private remember(id: string, entity: Entity | undefined): void {
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(id, entity ?? null);
  }

  findUnique(noun: string, field: string, normalized: string): string | undefined {
    const row = this.sql
      .exec('SELECT entity_id FROM uniques WHERE noun = ? AND field = ? AND value = ?', noun, field, normalized)
      .toArray()[0];
    return row ? String(row['entity_id']) : undefined;
  }

  /** Appends events and folds each into its entity. Call inside a unit of work. */
  append(events: readonly DomainEvent[], meta: AppendMeta): StoredEvent[] {
    let { seq, hash } = this.pending ?? this.head;
    const stored: StoredEvent[] = [];
    for (const event of events) {
      const before = this.get(event.entityId);
      const next = chain(
        {
          ...event,
          seq: seq + 1,
          id: meta.newEventId(),
          time: meta.time,
          entityVersion: (before?.version ?? 0) + 1,
          actor: meta.actor,
          causationId: meta.causationId ?? null,
          correlationId: meta.correlationId ?? null,
        },
        hash,
      );
      this.appendRow(next, before, evolve(before, next));
      stored.push(next);
      ({ seq, hash } = next);
    }
    this.onAppend(stored);
    // The transaction may still roll back: the head moves when it commits (committed()).
    this.pending = { seq, hash };
    return stored;
  }

  private pending: { seq: number; hash: string } | undefined;

  /** Makes the head of a committed append current; rollback() forgets it. */
  commitHead(): void {
    if (this.pending) this.head = this.pending;
    this.pending = undefined;
  }

  rollback(): void {
    this.pending = undefined;
    this.cache.clear();
  }

  /** Writes an entity folded elsewhere (import, erasure) with its uniques and refs. Call inside transactionSync. */
  restoreEntity(entity: Entity): void {
    this.writeEntity(this.get(entity.id), entity);
  }

  /** Re-reads the head from SQLite after rows were written beside append (import, compaction). */
  reloadHead(): void {
    const last = this.sql.exec('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').toArray()[0];
    this.head = last ? { seq: Number(last['seq']), hash: String(last['hash']) } : { seq: 0, hash: GENESIS_HASH };
    this.pending = undefined;
    this.cache.clear();
  }

  committed(): void {
    this.commitHead();
  }

  rolledBack(): void {
    this.rollback();
  }

  mark(): unknown {
    return this.pending;
  }

  // A part rolled back: the head goes back to where the part started; the cache may hold the part's
  // writes, so it is cleared and refilled from SQLite, which the savepoint already restored.
  restore(mark: unknown): void {
    this.pending = mark as { seq: number; hash: string } | undefined;
    this.cache.clear();
  }

  /** An entity as it stood at a seq, folded from its own events (answers replayed by reference). */
  entityAt(id: string, seq: number): Entity | undefined {
    return this.entitiesAt([{ id, at: seq }])[0];
  }

  /** Entities as they stood at seqs; each entity's events are read and folded once, however often asked. */
  entitiesAt(refs: readonly { readonly id: string; readonly at: number }[]): (Entity | undefined)[] {
    const upto = new Map<string, number>();
    for (const { id, at } of refs) upto.set(id, Math.max(at, upto.get(id) ?? 0));
    const states = new Map<string, { seq: number; entity: Entity }[]>();
    for (const [id, seq] of upto) {
      let entity: Entity | undefined;
      const events = this.eventsOf(id, seq);
      states.set(
        id,
        events.map((event) => ({ seq: event.seq, entity: (entity = evolve(entity, event)) })),
      );
    }
    return refs.map(({ id, at }) => states.get(id)!.findLast((state) => state.seq <= at)?.entity);
  }

  // The event and the entity it folded into, in one statement (the event_appends view's trigger writes both).
  private appendRow(e: StoredEvent, before: Entity | undefined, after: Entity): void {
    this.remember(after.id, after);
    this.sql.exec(
      `INSERT INTO event_appends (seq, id, type, entity_type, entity_id, entity_version, time, actor, causation_id,
         correlation_id, data, data_hash, prev_hash, hash, e_id, e_type, e_version, e_created_at, e_updated_at,
         e_deleted_at, e_merged_into, e_fields)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      e.seq,
      e.id,
      e.type,
      e.entityType,
      e.entityId,
      e.entityVersion,
      e.time,
      e.actor,
      e.causationId,
      e.correlationId,
      JSON.stringify(e.data),
      e.dataHash,
      e.prevHash,
      e.hash,
      ...entityRow(after),
    );
    this.reindex(before, after);
  }

  private writeEntity(before: Entity | undefined, after: Entity): void {
    this.remember(after.id, after);
    this.sql.exec(
      `INSERT INTO entities (id, type, version, created_at, updated_at, deleted_at, merged_into, fields)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at,
         deleted_at = excluded.deleted_at, merged_into = excluded.merged_into, fields = excluded.fields`,
      ...entityRow(after),
    );
    this.reindex(before, after);
  }

  // Unique values and references are indexed for live entities only: a tombstone frees its email.
  private reindex(before: Entity | undefined, after: Entity): void {
    const noun = nounByName.get(after.type);
    if (!noun) return;
    const wasLive = isLive(before);
    const nowLive = isLive(after);
    const { refs, uniqueValues } = fieldLists(noun);
    for (const [field] of refs) {
      const old = wasLive ? before!.fields[field] : undefined;
      const now = nowLive ? after.fields[field] : undefined;
      if (old === now) continue;
      if (typeof old === 'string')
        this.sql.exec(
          'DELETE FROM refs WHERE target_id = ? AND field = ? AND source_type = ? AND source_id = ?',
          old,
          field,
          noun.name,
          after.id,
        );
      if (typeof now === 'string')
        this.sql.exec(
          'INSERT OR IGNORE INTO refs (target_id, field, source_type, source_id) VALUES (?, ?, ?, ?)',
          now,
          field,
          noun.name,
          after.id,
        );
    }
    for (const field of uniqueValues) {
      const old = wasLive ? before!.fields[field] : undefined;
      const now = nowLive ? after.fields[field] : undefined;
      if (old === now) continue;
      if (typeof old === 'string')
        this.sql.exec(
          'DELETE FROM uniques WHERE noun = ? AND field = ? AND value = ? AND entity_id = ?',
          noun.name,
          field,
          normalizeUnique(old),
          after.id,
        );
      if (typeof now === 'string')
        this.sql.exec(
          'INSERT INTO uniques (noun, field, value, entity_id) VALUES (?, ?, ?, ?)',
          noun.name,
          field,
          normalizeUnique(now),
          after.id,
        );
    }
  }

  /** Ids of live entities of sourceType whose `field` references targetId, oldest first. */
  referencing(targetId: string, field: string, sourceType: string, limit: number): string[] {
    return this.sql
      .exec(
        'SELECT source_id FROM refs WHERE target_id = ? AND field = ? AND source_type = ? ORDER BY source_id LIMIT ?',
        targetId,
        field,
        sourceType,
        limit,
      )
      .toArray()
      .map((r) => String(r['source_id']));
  }

  /** Events after a seq, in order; optionally only types matching patterns (domain/type-patterns.ts). */
  eventsAfter(after: number, limit: number, types: TypePatterns = []): StoredEvent[] {
    const likes = likeForms(types);
    const rows = likes.length
      ? this.sql.exec(
          `SELECT * FROM events WHERE seq > ? AND (${likes.map(() => 'type LIKE ?').join(' OR ')})
           ORDER BY seq LIMIT ?`,
          after,
          ...likes,
          limit,
        )
      : this.sql.exec('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?', after, limit);
    return rows.toArray().map(rowToEvent);
  }

  /**
   * The same events as eventsAfter as one JSON text built by SQLite (event-page.ts), at most about PAGE_BYTES.
   * An event too large for SQLite to embed in the text (near its 2 MB cap) comes alone, serialised here.
   */
  eventPageAfter(after: number, limit: number): string {
    try {
      return eventPageAfter(this.sql, after, limit);
    } catch {
      return JSON.stringify(this.eventsAfter(after, 1));
    }
  }

  /** One entity's events, in order, up to a seq (inclusive). */
  eventsOf(entityId: string, uptoSeq = Number.MAX_SAFE_INTEGER): StoredEvent[] {
    return this.sql
      .exec('SELECT * FROM events WHERE entity_id = ? AND seq <= ? ORDER BY seq', entityId, uptoSeq)
      .toArray()
      .map(rowToEvent);
  }

  /** The last seq at or before an ISO time; 0 when the log starts later. */
  seqAtTime(time: string): number {
    const row = this.sql.exec('SELECT MAX(seq) AS seq FROM events WHERE time <= ?', time).one();
    return Number(row['seq'] ?? 0);
  }
}

export function rowToEntity(row: Row): Entity {
  const type = String(row['type']);
  return {
    id: String(row['id']),
    type,
    version: Number(row['version']),
    createdAt: String(row['created_at']),
    updatedAt: String(row['updated_at']),
    // A contact stored before every contact had a stage reads as a Lead, as evolve folds it.
    fields: withDefaults(type, JSON.parse(String(row['fields'])) as Record<string, unknown>),
    ...(row['deleted_at'] ? { deletedAt: String(row['deleted_at']) } : {}),
    ...(row['merged_into'] ? { mergedInto: String(row['merged_into']) } : {}),
  };
}

// The one place the SQLite log's stored text becomes event data: what was appended was a DomainEvent's
// data (typed at its emit site, domain/event-types.ts), so it is trusted here and read through accessors.
/** An `events.data` cell as event data. */
export function parseEventData(cell: unknown): EventData {
  return JSON.parse(String(cell)) as EventData;
}

export function rowToEvent(row: Row): StoredEvent {
  return {
    seq: Number(row['seq']),
    id: String(row['id']),
    type: String(row['type']),
    entityType: String(row['entity_type']),
    entityId: String(row['entity_id']),
    entityVersion: Number(row['entity_version']),
    time: String(row['time']),
    actor: String(row['actor']),
    causationId: row['causation_id'] === null ? null : String(row['causation_id']),
    correlationId: row['correlation_id'] === null ? null : String(row['correlation_id']),
    data: parseEventData(row['data']),
    dataHash: String(row['data_hash']),
    prevHash: String(row['prev_hash']),
    hash: String(row['hash']),
  };
}

/** An entity's `entities` columns in table order: id, type, version, created_at, updated_at, deleted_at,
 * merged_into, fields (also the e_* columns of the event_appends view). */
function entityRow(entity: Entity): SqlStorageValue[] {
  return [
    entity.id,
    entity.type,
    entity.version,
    entity.createdAt,
    entity.updatedAt,
    entity.deletedAt ?? null,
    entity.mergedInto ?? null,
    JSON.stringify(entity.fields),
  ];
}
