// Reading one entity from the log's folded state: strongly consistent, with includes, or as of a
// past seq or time by folding that entity's own events.
import { represent, type Entity, type Representation } from '../domain/entity';
import { fold } from '../domain/evolve';
import { nounByName } from '../domain/nouns';
import type { EventStore } from './event-store';
import { failure, ok, type Result } from '../shared/protocol';

export interface ReadQuery {
  readonly noun: string;
  readonly id: string;
  readonly include?: readonly string[];
  /** A seq number or an ISO time: the entity as it was then. */
  readonly asOf?: number | string;
}

export interface ReadOutcome {
  readonly entity: Representation;
  readonly seq: number;
}

export const INCLUDE_LIMIT = 1_000;

export class EntityReader {
  constructor(private readonly store: EventStore) {}

  read(query: ReadQuery): Result<ReadOutcome> {
    const noun = nounByName.get(query.noun);
    if (!noun) return failure('not_found', `unknown noun ${query.noun}`);
    const found = query.asOf === undefined ? this.store.get(query.id) : this.asOf(query.id, query.asOf);
    if (!found || found.type !== noun.name)
      return failure('not_found', `no ${noun.name} ${query.id}${query.asOf === undefined ? '' : ` at ${query.asOf}`}`);
    if (found.deletedAt)
      return failure('gone', `${noun.name} ${query.id} was deleted`, { extra: { deletedAt: found.deletedAt } });
    if (found.mergedInto)
      return failure('moved', `${noun.name} ${query.id} was merged into ${found.mergedInto}`, {
        extra: { location: found.mergedInto },
      });
    const entity = represent(found);
    for (const name of query.include ?? []) entity[name] = this.included(found, name);
    return ok({ entity, seq: this.store.headSeq });
  }

  private asOf(id: string, asOf: number | string): Entity | undefined {
    const upto = typeof asOf === 'number' ? asOf : this.store.seqAtTime(asOf);
    return fold(this.store.eventsOf(id, upto)).get(id);
  }

  // An include is read live, at the head, even on a time-travel read: the past of related entities
  // is one more asOf read away.
  private included(entity: Entity, name: string): Representation | Representation[] | null {
    const spec = nounByName.get(entity.type)!.fields[name];
    if (spec?.kind === 'ref') {
      const id = entity.fields[name];
      const target = typeof id === 'string' ? this.store.get(id) : undefined;
      return target && !target.deletedAt && !target.mergedInto ? represent(target) : null;
    }
    if (spec?.kind === 'inverse')
      return this.store.referencing(entity.id, spec.field, spec.target, INCLUDE_LIMIT).flatMap((id) => {
        const source = this.store.get(id);
        return source ? [represent(source)] : [];
      });
    return null;
  }
}
