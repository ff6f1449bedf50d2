// The lifecycle's reads behind TenantLog: score breakdown, provenance, settings, after-hook counts.
// Its writes (batch, settings changes) are in command-service.ts with every other write.
import type { Entity } from '../domain/entity';
import { provenanceOf, setBy } from '../domain/event-types';
import { scoreOf } from '../domain/rescore';
import type { ScoreLine } from '../domain/scoring';
import { settingsOf, SETTINGS_ID, type Settings } from '../domain/settings';
import type { CommandShell } from './command-shell';
import type { EventStore } from './event-store';
import type { HookJobs } from './hook-jobs';
import { failure, ok, type Failure, type Result } from '../shared/protocol';

export interface ScoreOutcome {
  readonly $id: string;
  /** The stored score, as last recomputed inside a write. */
  readonly leadScore: number;
  /** The model's total now; differs from leadScore only when engagement recency decayed since. */
  readonly total: number;
  readonly asOf: string;
  readonly lines: readonly ScoreLine[];
  readonly seq: number;
}

export interface ProvenanceOutcome {
  readonly $id: string;
  readonly fields: Readonly<
    Record<string, { source: string; event: string; seq: number; time: string; actor: string }>
  >;
}

export interface SettingsOutcome extends Settings {
  readonly $version: number;
  readonly seq: number;
}

export class LifecycleRpc {
  constructor(
    private readonly store: EventStore,
    private readonly shell: CommandShell,
    private readonly jobs: HookJobs,
  ) {}

  /** A contact that is there to read: unknown 404, deleted 410, merged 308 to its target. */
  private liveContact(id: string): { ok: true; value: Entity } | { ok: false; error: Failure } {
    const contact = this.store.get(id);
    if (contact?.type !== 'Contact') return failure('not_found', `no Contact ${id}`);
    if (contact.deletedAt) return failure('gone', `Contact ${id} was deleted`);
    if (contact.mergedInto) {
      return failure('moved', `Contact ${id} was merged into ${contact.mergedInto}`, {
        extra: { location: contact.mergedInto },
      });
    }
    return { ok: true, value: contact };
  }

  score(id: string, nowMs: number): Result<ScoreOutcome> {
    const live = this.liveContact(id);
    if (!live.ok) return live;
    const contact = live.value;
    const asOf = new Date(nowMs).toISOString();
    const score = scoreOf(id, contact.fields, this.shell.readView(), settingsOf(this.store.get(SETTINGS_ID)), asOf);
    return ok({
      $id: id,
      leadScore: Number(contact.fields['leadScore'] ?? 0),
      total: score.total,
      asOf,
      lines: score.lines,
      seq: this.store.headSeq,
    });
  }

  provenance(id: string): Result<ProvenanceOutcome> {
    const live = this.liveContact(id);
    if (!live.ok) return live;
    const contact = live.value;
    const fields: Record<string, ProvenanceOutcome['fields'][string]> = {};
    for (const event of this.store.eventsOf(id)) {
      const sources = provenanceOf(event);
      const { id: eventId, seq, time, actor } = event;
      for (const field of setBy(event))
        fields[field] = { source: sources[field] ?? event.type, event: eventId, seq, time, actor };
    }
    for (const field of Object.keys(fields)) if (contact.fields[field] === undefined) delete fields[field];
    return ok({ $id: id, fields });
  }

  settings(): SettingsOutcome {
    const entity = this.store.get(SETTINGS_ID);
    return { ...settingsOf(entity), $version: entity?.version ?? 0, seq: this.store.headSeq };
  }

  /** The settings as they stood at `seq` (an Idempotency-Key's replay). */
  settingsAt(seq: number): SettingsOutcome {
    const entity = this.store.entityAt(SETTINGS_ID, seq);
    return { ...settingsOf(entity), $version: entity?.version ?? 0, seq };
  }

  hookStatus(): Record<string, number> {
    return this.jobs.counts();
  }
}
