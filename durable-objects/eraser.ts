// GDPR erasure of a contact, inside its TenantLog: every value its personal fields ever held
// (domain/personal-data.ts) is redacted wherever it occurs in the stored events (derived strings such as
// "Follow up with <name>" included), the affected entities are folded again from the redacted log, a
// chained `Contact.Erased` record names each redacted event with the hash of its new data (so the chain
// verifies by construction: domain/chain-verifier.ts), and every other store is redacted through the
// ERASERS registry below. One transaction: an erasure happens wholly or not at all.
import type { AppendMeta, EventStore } from './event-store';
import { dataHashOf, type StoredEvent } from '../domain/events';
import { fold } from '../domain/evolve';
import {
  ERASED_EVENT,
  PERSONAL_FIELDS,
  personalValuesIn,
  redactDeep,
  redactString,
  type ErasureRecord,
} from '../domain/personal-data';
import { failure, ok, type Result } from '../shared/protocol';
import { rowToEvent } from './event-store';

/** A store holding copies of personal values outside the log: a table's text column, found by its key. */
export interface Eraser {
  readonly table: string;
  readonly key: readonly string[];
  readonly column: string;
}

/** Every store with personal copies besides events and entities. Webhook deliveries plug in here. */
export const ERASERS: Eraser[] = [
  { table: 'idempotency', key: ['principal', 'key'], column: 'answer' },
  { table: 'hook_jobs', key: ['trigger_id', 'hook'], column: 'last_error' },
];

export interface ErasureOutcome {
  readonly id: string;
  readonly seq: number;
  readonly redactedEvents: number;
  readonly redactedRows: Readonly<Record<string, number>>;
}

// The stored JSON text a value appears as; a short value only as a whole string.
function needle(value: string): string {
  const quoted = JSON.stringify(value);
  return value.length < 4 ? quoted : quoted.slice(1, -1);
}

function matching(values: readonly string[], column: string): string {
  return values.map(() => `instr(${column}, ?) > 0`).join(' OR ');
}

export function eraseContact(sql: SqlStorage, store: EventStore, id: string, meta: AppendMeta): Result<ErasureOutcome> {
  const contact = store.get(id);
  if (contact?.type !== 'Contact') return failure('not_found', `no contact ${id}`);
  const own = store.eventsOf(id);
  if (own.some((e) => e.type === `Contact.${ERASED_EVENT}`)) {
    return failure('gone', `${id} was erased already`, { extra: { erased: true } });
  }
  const values = personalValuesIn(
    'Contact',
    own.map((e) => e.data),
  );
  const needles = values.map(needle);
  const hits: StoredEvent[] = needles.length
    ? sql
        .exec(`SELECT * FROM events WHERE ${matching(needles, 'data')} ORDER BY seq`, ...needles)
        .toArray()
        .map(rowToEvent)
    : [];
  const redacted = hits
    .map((e) => ({ event: e, data: redactDeep(e.data, values) }))
    .filter((r) => dataHashOf(r.data) !== dataHashOf(r.event.data));
  const record: ErasureRecord = {
    subject: id,
    fields: PERSONAL_FIELDS['Contact'] ?? [],
    redacted: redacted.map((r) => ({ seq: r.event.seq, datahash: dataHashOf(r.data) })),
  };
  // The tombstone first, while the entity still holds its values: its unique email is freed by them.
  const [erased] = store.append(
    [{ type: `Contact.${ERASED_EVENT}`, entityType: 'Contact', entityId: id, data: { ...record } }],
    meta,
  );
  for (const r of redacted) sql.exec('UPDATE events SET data = ? WHERE seq = ?', JSON.stringify(r.data), r.event.seq);
  const affected = new Set(redacted.map((r) => r.event.entityId));
  affected.add(id);
  for (const entityId of affected) {
    const entity = fold(store.eventsOf(entityId)).get(entityId);
    if (entity) store.restoreEntity(entity);
  }
  // Until the physical rewrite is done (compactor.ts), a retry of this erasure must run it again.
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('compaction_due', ?)", id);
  const redactedRows: Record<string, number> = {};
  for (const eraser of ERASERS) redactedRows[eraser.table] = eraseIn(sql, eraser, values, needles);
  return ok({ id, seq: erased!.seq, redactedEvents: redacted.length, redactedRows });
}

function eraseIn(sql: SqlStorage, eraser: Eraser, values: readonly string[], needles: readonly string[]): number {
  if (!needles.length) return 0;
  const { table, key, column } = eraser;
  const exists = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", table).toArray().length > 0;
  if (!exists) return 0;
  const rows = sql
    .exec(`SELECT ${[...key, column].join(', ')} FROM ${table} WHERE ${matching(needles, column)}`, ...needles)
    .toArray();
  for (const row of rows) {
    const text = String(row[column]);
    let next: string;
    try {
      next = JSON.stringify(redactDeep(JSON.parse(text) as unknown, values));
    } catch {
      next = redactString(text, values);
    }
    sql.exec(
      `UPDATE ${table} SET ${column} = ? WHERE ${key.map((k) => `${k} = ?`).join(' AND ')}`,
      next,
      ...key.map((k) => row[k] ?? null),
    );
  }
  return rows.length;
}
