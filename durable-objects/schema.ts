// The TenantLog's SQLite schema, as ordered migrations. A migration never changes once shipped; the
// applied count lives in `meta` so a wake-up runs only what is new.

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    entity_version INTEGER NOT NULL,
    time TEXT NOT NULL,
    actor TEXT NOT NULL,
    causation_id TEXT,
    correlation_id TEXT,
    data TEXT NOT NULL,
    data_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE INDEX events_by_entity ON events (entity_id, seq);
  CREATE INDEX events_by_type ON events (type, seq);
  CREATE TABLE entities (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    merged_into TEXT,
    fields TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX entities_by_type ON entities (type, id);
  -- Live values of unique fields (Contact.email, Organization.domain), normalised.
  CREATE TABLE uniques (
    noun TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, entity_id TEXT NOT NULL,
    PRIMARY KEY (noun, field, value)
  ) WITHOUT ROWID;
  -- Every reference of every live entity, read backwards for inverses (leads, reports, contacts).
  CREATE TABLE refs (
    target_id TEXT NOT NULL, field TEXT NOT NULL, source_type TEXT NOT NULL, source_id TEXT NOT NULL,
    PRIMARY KEY (target_id, field, source_type, source_id)
  ) WITHOUT ROWID;
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    rate_limit INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );
  -- First answers to requests that carried an Idempotency-Key, per principal.
  CREATE TABLE idempotency (
    principal TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, answer TEXT NOT NULL, ` +
    `created_at INTEGER NOT NULL,
    PRIMARY KEY (principal, key)
  ) WITHOUT ROWID;
  CREATE INDEX idempotency_by_age ON idempotency (created_at);
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  `,
  `
  -- After-hook work: one row per (triggering event, hook). status 'done' is written in the same
  -- transaction as the events the hook appended, which makes each hook run exactly once.
  CREATE TABLE hook_jobs (
    trigger_id TEXT NOT NULL,
    hook TEXT NOT NULL,
    trigger_seq INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    depth INTEGER NOT NULL,
    run_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    last_error TEXT,
    PRIMARY KEY (trigger_id, hook)
  ) WITHOUT ROWID;
  CREATE INDEX hook_jobs_due ON hook_jobs (status, next_at);
  -- Emails of contacts merged away, so a capture with one lands on the merge target.
  CREATE INDEX entities_merged_email ON entities (lower(json_extract(fields, '$.email'))) WHERE merged_into IS NOT NULL;
  `,
  // The transactional outbox (issue 4): one row per append (its seq range) until the crm-events queue took it.
  `
  CREATE TABLE outbox (from_seq INTEGER PRIMARY KEY, to_seq INTEGER NOT NULL);
  `,
  // Rate-limit buckets of tenant keys (issue 7), written only while a bucket is below half full.
  `
  CREATE TABLE rate_buckets (key_id TEXT PRIMARY KEY, tokens REAL NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
  `,
  // Issue 12, the write's cost (docs/performance.md). events_by_type served one query, the audit's look-up
  // of erasure records, and cost every append a b-tree write: a partial index of those records serves it.
  // The outbox becomes a cursor over the log (the last seq the queue took): an append writes no outbox row;
  // rows main left pending are kept as the cursor just before the first of them.
  `
  DROP INDEX IF EXISTS events_by_type;
  CREATE INDEX events_erased ON events (seq) WHERE type GLOB '*.Erased';
  CREATE TABLE outbox_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), sent INTEGER NOT NULL);
  INSERT INTO outbox_cursor (id, sent)
    VALUES (1, COALESCE((SELECT MIN(from_seq) - 1 FROM outbox), (SELECT MAX(seq) FROM events), 0));
  DROP TABLE outbox;
  -- A write-only view: one INSERT appends an event and writes the entity it folded into, which saves the
  -- append a statement per event (EventStore.append); reading it answers nothing.
  CREATE VIEW event_appends (seq, id, type, entity_type, entity_id, entity_version, time, actor, causation_id,
    correlation_id, data, data_hash, prev_hash, hash, e_id, e_type, e_version, e_created_at, e_updated_at,
    e_deleted_at, e_merged_into, e_fields)
    AS SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      NULL, NULL, NULL, NULL, NULL WHERE 0;
  CREATE TRIGGER event_appends_insert INSTEAD OF INSERT ON event_appends BEGIN
    INSERT INTO events (seq, id, type, entity_type, entity_id, entity_version, time, actor, causation_id,
      correlation_id, data, data_hash, prev_hash, hash)
    VALUES (NEW.seq, NEW.id, NEW.type, NEW.entity_type, NEW.entity_id, NEW.entity_version, NEW.time, NEW.actor,
      NEW.causation_id, NEW.correlation_id, NEW.data, NEW.data_hash, NEW.prev_hash, NEW.hash);
    INSERT INTO entities (id, type, version, created_at, updated_at, deleted_at, merged_into, fields)
    VALUES (NEW.e_id, NEW.e_type, NEW.e_version, NEW.e_created_at, NEW.e_updated_at, NEW.e_deleted_at,
      NEW.e_merged_into, NEW.e_fields)
    ON CONFLICT (id) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at,
      deleted_at = excluded.deleted_at, merged_into = excluded.merged_into, fields = excluded.fields;
  END;
  `,
];

/** The partial index events_erased's condition: a query must say it word for word to be served by it. */
export const ERASURE_RECORDS = "type GLOB '*.Erased'";

export function migrate(sql: SqlStorage): void {
  sql.exec('CREATE TABLE IF NOT EXISTS migrations (n INTEGER PRIMARY KEY)');
  const applied = Number(sql.exec('SELECT COUNT(*) AS n FROM migrations').one()['n']);
  for (let n = applied; n < MIGRATIONS.length; n++) {
    sql.exec(MIGRATIONS[n]!);
    sql.exec('INSERT INTO migrations (n) VALUES (?)', n);
  }
}
