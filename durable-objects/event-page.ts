// A page of the log as one JSON text, built by SQLite: the projection's pull. A page of 2,000 events
// as row objects cost the log a value per column, a JSON.parse per event and a structured clone of
// every object across the RPC; as one string it is one allocation, one copy and one JSON.parse.
import type { StoredEvent } from '../domain/events';

// Keys and values as rowToEvent (event-store.ts) gives them; `data` embedded as JSON, not as text.
// (Splicing the stored text in by concatenation instead of json(data) measured no faster.)
const EVENT_JSON =
  "json_object('seq', seq, 'id', id, 'type', type, 'entityType', entity_type, 'entityId', entity_id, " +
  "'entityVersion', entity_version, 'time', time, 'actor', actor, 'causationId', causation_id, " +
  "'correlationId', correlation_id, 'data', json(data), 'dataHash', data_hash, 'prevHash', prev_hash, " +
  "'hash', hash)";

/** The events after a seq, at most `limit`, in seq order, as a JSON array of StoredEvent. */
export function eventPageAfter(sql: SqlStorage, after: number, limit: number): string {
  const row = sql
    .exec(
      // No ORDER BY inside the aggregate: it sorted the page's JSON objects again (~20% of the pull);
      // the subquery yields them in seq order, and parseEventPage checks that it did.
      `SELECT json_group_array(${EVENT_JSON}) AS page
       FROM (SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?)`,
      after,
      limit,
    )
    .one();
  return String(row['page']);
}

/** A page from eventPageAfter as the events it holds (the log wrote them: trusted, as rowToEvent trusts). */
export function parseEventPage(page: string): StoredEvent[] {
  const events = JSON.parse(page) as StoredEvent[];
  // SQLite does not promise an aggregate's order without ORDER BY: one pass to check, a sort if ever needed.
  for (let i = 1; i < events.length; i++)
    if (events[i]!.seq <= events[i - 1]!.seq) return events.sort((a, b) => a.seq - b.seq);
  return events;
}
