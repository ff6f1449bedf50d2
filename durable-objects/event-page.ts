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

/**
 * A page's events stop once the text before them passes this many bytes (the first event is always in). SQLite
 * caps a string, a function's result included, at 2 MB in a Durable Object: 2,000 bulky events would pass it,
 * and a page that can never be built would stop the read model at that seq for good.
 */
export const PAGE_BYTES = 768 * 1024;
/** What an event's envelope adds to its data in the page, at most (ids, hashes, time, keys). */
const ENVELOPE_BYTES = 600;

/** The events after a seq, at most `limit` and about PAGE_BYTES, in seq order, as a JSON array of StoredEvent. */
export function eventPageAfter(sql: SqlStorage, after: number, limit: number): string {
  const row = sql
    .exec(
      // No ORDER BY inside the aggregate: it sorted the page's JSON objects again (~20% of the pull);
      // the subquery yields them in seq order, and parseEventPage checks that it did.
      // The running size is summed over the page's rows only (the LIMIT first), not over the rest of the log.
      `SELECT json_group_array(${EVENT_JSON}) AS page
       FROM (SELECT *, SUM(octet_length(data) + ${ENVELOPE_BYTES}) OVER (ORDER BY seq) AS through
             FROM (SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?))
       WHERE through - octet_length(data) - ${ENVELOPE_BYTES} < ?`,
      after,
      limit,
      PAGE_BYTES,
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
