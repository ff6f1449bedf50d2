// The TenantLog's replay and audit services (issue 10): export pages, the signed head's input, the
// staged import, and erasure with its physical compaction. TenantLog's methods check the caller and
// hand over to this one service.
import { exportPage, EXPORT_PAGE } from './exporter';
import { Compactor, type ScratchClient } from './compactor';
import { eraseContact, type ErasureOutcome } from './eraser';
import type { EventStore } from './event-store';
import { Importer, type ImportProgress } from './importer';
import { failure, ok, type Result } from '../shared/protocol';
import type { Transactions } from './unit-of-work';
import { log } from '../shared/log';
import { GENESIS_HASH } from '../domain/events';

export type { ErasureOutcome, ImportProgress };

/** A page of the export: newline-terminated lines, the last seq they hold, and the head when read. */
export type ExportPage = { text: string; last: number; count: number; head: number };

export interface ReplayHost {
  readonly ctx: DurableObjectState;
  /** The request's one unit of work (durable-objects/unit-of-work.ts): the store's head and cache follow it. */
  readonly tx: Transactions;
  readonly store: EventStore;
  readonly scratch: () => ScratchClient;
  readonly newEventId: () => string;
  /** Asks the alarm to run by `at` (it drains the outbox to the read model). */
  readonly wakeBy: (at: number) => Promise<void>;
}

export class ReplayRpc {
  readonly importer: Importer;
  readonly compactor: Compactor;

  constructor(private readonly host: ReplayHost) {
    this.importer = new Importer(host.tx, host.ctx.storage.sql, host.store);
    this.compactor = new Compactor(host.ctx, host.scratch);
  }

  exportPage(after: number, limit = EXPORT_PAGE): Result<ExportPage> {
    return ok({
      ...exportPage(this.host.ctx.storage.sql, after, Math.min(limit, EXPORT_PAGE)),
      head: this.host.store.headSeq,
    });
  }

  private compactionDue(): boolean {
    return this.host.ctx.storage.sql.exec("SELECT 1 FROM meta WHERE key = 'compaction_due'").toArray().length > 0;
  }

  private async compactNow(): Promise<void> {
    await this.compactor.compact();
    this.host.tx.run(() => this.host.ctx.storage.sql.exec("DELETE FROM meta WHERE key = 'compaction_due'"));
    this.host.store.reloadHead();
  }

  head(): { seq: number; hash: string } {
    const row = this.host.ctx.storage.sql.exec('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').toArray()[0];
    return row ? { seq: Number(row['seq']), hash: String(row['hash']) } : { seq: 0, hash: GENESIS_HASH };
  }

  async importCommit(id: string): Promise<Result<ImportProgress>> {
    // An import restores into an empty tenant, whose outbox cursor is still at 0: the drain that follows hands
    // the whole restored log to the queue.
    const answer = this.importer.commit(id);
    if (answer.ok && answer.value.seq > 0) await this.wakeAfterCommit('import');
    return answer;
  }

  /** Erases a contact (one transaction), then rewrites the database so its old bytes are gone too. */
  async erase(id: string, actor: string, correlationId: string | null): Promise<Result<ErasureOutcome>> {
    const { ctx, tx, store } = this.host;
    let answer: Result<ErasureOutcome>;
    try {
      const meta = { time: new Date().toISOString(), actor, newEventId: this.host.newEventId, correlationId };
      answer = tx.run(() => eraseContact(ctx.storage.sql, store, id, meta));
    } catch (error) {
      log.error('erase: rolled back', { error });
      return failure('internal', 'an internal error; nothing was erased');
    }
    // Erased already: a retry after a compaction that did not finish runs it now (and says so).
    if (!answer.ok && answer.error.extra?.['erased'] === true && this.compactionDue()) {
      await this.compactNow();
      return { ok: false, error: { ...answer.error, extra: { ...answer.error.extra, compacted: true } } };
    }
    if (!answer.ok) return answer;
    await this.compactNow();
    await this.wakeAfterCommit('erase');
    return answer;
  }

  // Committed already: nothing after the commit may fail the answer (a retry would find the work done and
  // skip what follows it); an alarm that could not be armed is logged, the next write arms it again.
  private async wakeAfterCommit(what: string): Promise<void> {
    try {
      await this.host.wakeBy(Date.now());
    } catch (error) {
      log.warn(`${what}: could not arm the alarm after the commit`, { error });
    }
  }
}
