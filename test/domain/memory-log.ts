// An in-memory log with the same contract as the Durable Object's store: the domain tests run the very
// same pipeline over it. `transaction` restores everything when its body throws.
import { isLive, type Entity } from '../../domain/entity';
import { chain, GENESIS_HASH, type DomainEvent, type StoredEvent } from '../../domain/events';
import { evolve } from '../../domain/evolve';
import { normalizeUnique } from '../../domain/formats';
import { nounByName } from '../../domain/nouns';
import type { UnitOfWork } from '../../domain/pipeline';
import type { CountGroup } from '../../domain/lifecycle-view';

export class MemoryLog implements UnitOfWork {
  events: StoredEvent[] = [];
  entities = new Map<string, Entity>();
  private ids = 0;

  constructor(
    public time = '2026-01-01T00:00:00.000Z',
    public actor = 'test',
  ) {}

  append(events: readonly DomainEvent[], causationId: string | null = null): StoredEvent[] {
    return events.map((event) => {
      const before = this.entities.get(event.entityId);
      const last = this.events.at(-1);
      const stored = chain(
        {
          ...event,
          seq: this.events.length + 1,
          id: `evt_${String(++this.ids).padStart(26, '0')}`,
          time: this.time,
          entityVersion: (before?.version ?? 0) + 1,
          actor: this.actor,
          causationId,
          correlationId: null,
        },
        last?.hash ?? GENESIS_HASH,
      );
      this.events.push(stored);
      this.entities.set(event.entityId, evolve(before, stored));
      return stored;
    });
  }

  transaction<T>(body: () => T): T {
    const events = this.events.slice();
    const entities = new Map(this.entities);
    try {
      return body();
    } catch (error) {
      this.events = events;
      this.entities = entities;
      throw error;
    }
  }

  get(id: string): Entity | undefined {
    return this.entities.get(id);
  }

  findUnique(noun: string, field: string, normalized: string): string | undefined {
    for (const e of this.live(noun))
      if (typeof e.fields[field] === 'string' && normalizeUnique(e.fields[field]) === normalized) return e.id;
    return undefined;
  }

  findMergedByEmail(normalized: string): string | undefined {
    for (const e of this.entities.values())
      if (
        e.type === 'Contact' &&
        e.mergedInto &&
        typeof e.fields['email'] === 'string' &&
        normalizeUnique(e.fields['email']) === normalized
      )
        return e.id;
    return undefined;
  }

  referencing(targetId: string, field: string, sourceType: string, limit: number): string[] {
    return [...this.live(sourceType)]
      .filter((e) => e.fields[field] === targetId)
      .map((e) => e.id)
      .sort()
      .slice(0, limit);
  }

  countReferencing(targetId: string, field: string, groups: readonly CountGroup[]): Record<string, number>[] {
    return groups.map(({ sourceType, groupBy, unless }) => {
      const counts: Record<string, number> = {};
      for (const e of this.live(sourceType)) {
        if (e.fields[field] !== targetId || (unless && e.fields[unless.field] === unless.value)) continue;
        const key = String(e.fields[groupBy] ?? '(none)');
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    });
  }

  private *live(noun: string): Iterable<Entity> {
    if (!nounByName.has(noun)) return;
    for (const e of this.entities.values()) if (e.type === noun && isLive(e)) yield e;
  }
}
