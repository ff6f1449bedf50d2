// Export pages: the log from a seq on, as export lines (domain/export-line.ts), a bounded page per call
// so the Worker can stream a log of any length with flat memory on both sides.
import { exportLine } from '../domain/export-line';
import { rowToEvent } from './event-store';

export const EXPORT_PAGE = 2_000;

/** Up to `limit` lines after `after`, newline-terminated, and the last seq they hold. */
export function exportPage(
  sql: SqlStorage,
  after: number,
  limit: number,
): { text: string; last: number; count: number } {
  const rows = sql.exec('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?', after, limit).toArray();
  let text = '';
  for (const row of rows) text += `${exportLine(rowToEvent(row))}\n`;
  return { text, last: rows.length ? Number(rows.at(-1)!['seq']) : after, count: rows.length };
}
