// evolve(state, event) → state: how each event changes one entity. Pure and total: it never throws,
// so a log that was accepted once always folds again.
import type { Entity } from './entity';
import { stringIn, type Changes } from './event-types';
import type { StoredEvent } from './events';
import { withDefaults } from './stage-machine';

export type { Changes } from './event-types';

export function evolve(entity: Entity | undefined, event: StoredEvent): Entity {
  const verb = event.type.slice(event.type.indexOf('.') + 1);
  const base: Entity = entity ?? {
    id: event.entityId,
    type: event.entityType,
    version: 0,
    createdAt: event.time,
    updatedAt: event.time,
    fields: {},
  };
  const next = { ...base, version: event.entityVersion, updatedAt: event.time };
  switch (verb) {
    case 'Created':
      // A contact created before stages defaulted folds as a Lead, as one created today.
      return { ...next, createdAt: event.time, fields: withDefaults(event.entityType, withoutNulls(event.data)) };
    case 'Deleted':
    case 'Erased': // a GDPR erasure (domain/personal-data.ts): the person's entity becomes a tombstone
      return { ...next, deletedAt: event.time };
    case 'Merged': {
      // A merge source becomes a tombstone aliasing the target; the target's Merged fills fields.
      const into = stringIn(event, 'into');
      if (into !== undefined) return { ...next, mergedInto: into };
      return event.data.changes ? { ...next, fields: applyChanges(base.fields, event.data.changes) } : next;
    }
    default:
      // Every other verb records its field changes the same way as Updated.
      return event.data.changes ? { ...next, fields: applyChanges(base.fields, event.data.changes) } : next;
  }
}

export function applyChanges(fields: Readonly<Record<string, unknown>>, changes: Changes): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fields };
  for (const [key, { to }] of Object.entries(changes)) {
    if (to === null || to === undefined) delete out[key];
    else out[key] = to;
  }
  return out;
}

function withoutNulls(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null && v !== undefined));
}

/** Folds a run of events from nothing: the offline replay the CLI and tests use. */
export function fold(events: Iterable<StoredEvent>): Map<string, Entity> {
  const state = new Map<string, Entity>();
  for (const event of events) state.set(event.entityId, evolve(state.get(event.entityId), event));
  return state;
}
