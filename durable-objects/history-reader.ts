// One entity's history for auditors: its events plus those of the entities merged into it (each
// source up to its merge), in seq order, paged; and one field's values over time. Reads only.
import { changeOf, idsIn } from '../domain/event-types';
import type { StoredEvent } from '../domain/events';
import { nounByName } from '../domain/nouns';
import { parseEventData, rowToEvent } from './event-store';
import { failure, ok, type Result } from '../shared/protocol';

export interface HistoryQuery {
  readonly noun: string;
  readonly id: string;
  readonly after: number;
  readonly limit: number;
}

export interface FieldChange {
  readonly seq: number;
  readonly time: string;
  readonly type: string;
  readonly actor: string;
  readonly from: unknown;
  readonly to: unknown;
}

/** An entity whose events belong to the history, up to a seq (a merge source: its merge). */
interface Member {
  readonly id: string;
  readonly upto: number;
}

// Merges nest (a source may have been a target before); the walk stops at this many entities.
const MEMBER_LIMIT = 1_000;
const FIELD_PAGE = 1_000;

export class HistoryReader {
  constructor(private readonly sql: SqlStorage) {}

  /** A page of the history after a seq. Deleted entities stay readable: the log keeps their past. */
  events(query: HistoryQuery): Result<{ events: StoredEvent[]; head: number }> {
    const found = this.check(query.noun, query.id);
    if (!found.ok) return found;
    const members = this.members(query.id);
    // Each member's page is one indexed range read; the first `limit` of their union is the page.
    const events = members
      .flatMap((m) => this.range(m.id, query.after, m.upto, query.limit))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, query.limit);
    return ok({ events, head: this.head() });
  }

  /** One stored field's values over time, read off Created and the `changes` of the entity's own events. */
  field(noun: string, id: string, field: string): Result<{ changes: FieldChange[]; head: number }> {
    const found = this.check(noun, id);
    if (!found.ok) return found;
    const spec = nounByName.get(noun)!.fields[field];
    if (!spec || spec.kind === 'inverse')
      return failure('bad_request', `${field} is not a stored field of ${noun}`, {
        errors: [{ path: '?field', message: 'unknown field' }],
      });
    const changes: FieldChange[] = [];
    for (let after = 0; ; ) {
      const page = this.range(id, after, Number.MAX_SAFE_INTEGER, FIELD_PAGE);
      for (const event of page) {
        const change = changeOf(event, field);
        if (change) changes.push({ seq: event.seq, time: event.time, type: event.type, actor: event.actor, ...change });
      }
      if (page.length < FIELD_PAGE) return ok({ changes, head: this.head() });
      after = page.at(-1)!.seq;
    }
  }

  private check(noun: string, id: string): Result<null> {
    const row = this.sql.exec('SELECT type FROM entities WHERE id = ?', id).toArray()[0];
    return row && row['type'] === noun ? ok(null) : failure('not_found', `no ${noun} ${id}`);
  }

  // The entity itself, then every source merged into it (recorded as `Merged {sources}` on it),
  // each bounded by its own `Merged {into}` event, recursively.
  private members(id: string): Member[] {
    const members: Member[] = [{ id, upto: Number.MAX_SAFE_INTEGER }];
    const seen = new Set([id]);
    for (let i = 0; i < members.length && members.length < MEMBER_LIMIT; i++) {
      const member = members[i]!;
      const merges = this.sql
        .exec(
          "SELECT seq, data FROM events WHERE entity_id = ? AND seq <= ? AND type LIKE '%.Merged' ORDER BY seq",
          member.id,
          member.upto,
        )
        .toArray();
      for (const row of merges) {
        for (const source of idsIn(parseEventData(row['data']), 'sources')) {
          if (seen.has(source)) continue;
          seen.add(source);
          members.push({ id: source, upto: this.mergeSeq(source) ?? Number(row['seq']) });
        }
      }
    }
    return members;
  }

  private mergeSeq(source: string): number | undefined {
    const row = this.sql
      .exec(
        "SELECT seq FROM events WHERE entity_id = ? AND type LIKE '%.Merged' " +
          "AND json_extract(data, '$.into') IS NOT NULL ORDER BY seq LIMIT 1",
        source,
      )
      .toArray()[0];
    return row ? Number(row['seq']) : undefined;
  }

  private range(id: string, after: number, upto: number, limit: number): StoredEvent[] {
    return this.sql
      .exec(
        'SELECT * FROM events WHERE entity_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
        id,
        after,
        upto,
        limit,
      )
      .toArray()
      .map(rowToEvent);
  }

  private head(): number {
    return Number(this.sql.exec('SELECT COALESCE(MAX(seq), 0) AS seq FROM events').one()['seq']);
  }
}
