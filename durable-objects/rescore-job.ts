// Rescoring every live contact: when the scoring weights change (a Settings.Updated event), and once a
// day while some contact has a lastEngagement (recency decays with time, not with events). In chunks,
// each chunk one unit of work, driven by the TenantLog alarm (the first chunk after a weights change
// runs in the settings change's own unit). The cursor lives in `meta`, written in the unit that starts
// the pass, so a restart resumes where it stopped.
import { isLive } from '../domain/entity';
import { changesOf } from '../domain/event-types';
import type { StoredEvent } from '../domain/events';
import { scoredEvent, scoreOf } from '../domain/rescore';
import { settingsOf, SETTINGS_ID } from '../domain/settings';
import type { CommandShell } from './command-shell';
import type { EventStore } from './event-store';
import { rowToEntity } from './event-store';
import type { MemoryMirror } from './unit-of-work';

const CHUNK = 500;
const CURSOR = 'rescore:cursor';
const CAUSE = 'rescore:cause';
const DAILY = 'rescore:daily-at';
const DAY_MS = 86_400_000;

export class RescoreJob implements MemoryMirror {
  constructor(
    private readonly sql: SqlStorage,
    private readonly store: EventStore,
    private readonly shell: CommandShell,
  ) {}

  /** Starts (or restarts) a rescore if these events changed the weights. Call inside their transaction. */
  noteEvents(events: readonly StoredEvent[]): void {
    const change = events.findLast((e) => e.type === 'Settings.Updated' && changesOf(e)['weights']);
    if (change)
      this.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?), (?, ?)', CURSOR, '', CAUSE, change.id);
    const engaged = events.find(
      (e) => e.entityType === 'Contact' && (changesOf(e)['lastEngagement'] || e.data['lastEngagement']),
    );
    if (engaged && this.sql.exec('SELECT 1 FROM meta WHERE key = ?', DAILY).toArray().length === 0) {
      this.sql.exec('INSERT INTO meta (key, value) VALUES (?, ?)', DAILY, String(Date.parse(engaged.time) + DAY_MS));
      this.staged = true;
    }
  }

  /** Set when a committed unit first scheduled a daily pass: the caller arms the alarm for nextDaily(). */
  wakeRequested = false;
  /** Set by the open unit of work; becomes wakeRequested only if it commits. */
  private staged = false;

  committed(): void {
    if (this.staged) this.wakeRequested = true;
    this.staged = false;
  }

  rolledBack(): void {
    this.staged = false;
  }

  mark(): unknown {
    return this.staged;
  }

  restore(mark: unknown): void {
    this.staged = mark === true;
  }

  nextDaily(): number | null {
    const at = this.sql.exec('SELECT value FROM meta WHERE key = ?', DAILY).toArray()[0]?.['value'];
    return at === undefined ? null : Number(at);
  }

  pending(): boolean {
    return this.sql.exec('SELECT 1 FROM meta WHERE key = ?', CURSOR).toArray().length > 0;
  }

  /** Rescores one chunk as its own unit of work (starting the daily pass when due); returns when to run again. */
  runChunk(nowMs: number): number | null {
    this.shell.transact({ actor: 'system:rescore', nowMs }, () => {
      const daily = this.nextDaily();
      if (daily !== null && daily <= nowMs && !this.pending())
        this.sql.exec(
          'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?), (?, ?), (?, ?)',
          CURSOR,
          '',
          CAUSE,
          '',
          DAILY,
          String(nowMs + DAY_MS),
        );
      this.chunkIn(nowMs);
    });
    return this.pending() ? nowMs : this.nextDaily();
  }

  /** Rescores the next chunk of a pass under way, inside the open unit of work. */
  chunkIn(nowMs: number): void {
    const cursor = this.sql.exec('SELECT value FROM meta WHERE key = ?', CURSOR).toArray()[0]?.['value'];
    if (cursor === undefined) return;
    const cause = String(this.sql.exec('SELECT value FROM meta WHERE key = ?', CAUSE).toArray()[0]?.['value'] ?? '');
    this.shell.within({ actor: 'system:rescore', nowMs, causationId: cause || null }, (uow, time) => {
      const settings = settingsOf(this.store.get(SETTINGS_ID));
      const rows = this.sql
        .exec(
          "SELECT * FROM entities WHERE type = 'Contact' AND id > ? " +
            'AND deleted_at IS NULL AND merged_into IS NULL ORDER BY id LIMIT ?',
          String(cursor),
          CHUNK,
        )
        .toArray()
        .map(rowToEntity);
      for (const contact of rows.filter(isLive)) {
        const total = scoreOf(contact.id, contact.fields, uow, settings, time).total;
        const event = scoredEvent(contact, total);
        if (event) uow.append([event]);
      }
      if (rows.length < CHUNK) this.sql.exec('DELETE FROM meta WHERE key IN (?, ?)', CURSOR, CAUSE);
      else this.sql.exec('UPDATE meta SET value = ? WHERE key = ?', rows.at(-1)!.id, CURSOR);
    });
  }
}
