// The lifecycle's invariants, checked over a log and the state folded from it: emails unique among
// live contacts, stages moving only along the table, no manager cycle. Shared by the property tests.
import { isLive, type Entity } from '../../domain/entity';
import type { StoredEvent } from '../../domain/events';
import { normalizeUnique } from '../../domain/formats';
import { STAGE_TRANSITIONS, type Stage } from '../../domain/stage-machine';

export function duplicateEmails(entities: Iterable<Entity>): string[] {
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const e of entities) {
    if (e.type !== 'Contact' || !isLive(e) || typeof e.fields['email'] !== 'string') continue;
    const key = normalizeUnique(e.fields['email']);
    if (seen.has(key)) duplicates.push(`${key}: ${seen.get(key)} and ${e.id}`);
    seen.set(key, e.id);
  }
  return duplicates;
}

/** Stage moves in the log that the table does not allow (or that do not start where the last ended). */
export function illegalStageMoves(events: readonly StoredEvent[]): string[] {
  const stage = new Map<string, unknown>();
  const illegal: string[] = [];
  for (const event of events) {
    if (event.entityType !== 'Contact') continue;
    if (event.type === 'Contact.Created') {
      stage.set(event.entityId, event.data['stage'] ?? null);
      continue;
    }
    const change = (event.data['changes'] as Record<string, { from: unknown; to: unknown }> | undefined)?.['stage'];
    if (!change) continue;
    const current = stage.get(event.entityId) ?? null;
    const verb = event.type === 'Contact.Qualified' ? 'qualify' : 'update';
    const legal =
      change.from === current &&
      (current === null
        ? event.type === 'Contact.Merged' || (verb === 'update' && change.to !== 'Qualified')
        : STAGE_TRANSITIONS[current as Stage]?.[change.to as Stage] === verb);
    if (!legal)
      illegal.push(
        `${event.seq} ${event.type} ${event.entityId}: ` +
          `${String(change.from)} → ${String(change.to)} (was ${String(current)})`,
      );
    stage.set(event.entityId, change.to);
  }
  return illegal;
}

export function managerCycles(entities: ReadonlyMap<string, Entity>): string[] {
  const cycles: string[] = [];
  for (const start of entities.values()) {
    if (start.type !== 'Contact' || !isLive(start)) continue;
    const seen = new Set<string>([start.id]);
    for (
      let cursor = start.fields['manager'];
      typeof cursor === 'string';
      cursor = entities.get(cursor)?.fields['manager']
    ) {
      if (seen.has(cursor)) {
        cycles.push(`${start.id} → … → ${cursor}`);
        break;
      }
      seen.add(cursor);
    }
  }
  return cycles;
}
