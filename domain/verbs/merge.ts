// merge {sources}: duplicates fold into the target. Target values win, its empty fields fill from the
// sources in order; each source becomes a tombstone aliasing the target; every live reference to a
// source is re-pointed with an explicit Updated event, so projections need no special case.
import { requireWritable } from '../decide';
import { isLive, type Entity } from '../entity';
import { fail } from '../errors';
import type { DomainEvent } from '../events';
import { typedEvent } from '../event-types';
import { MERGE_REFERENCE_LIMIT, type LifecycleView } from '../lifecycle-view';
import { Contact, NOUNS } from '../nouns';

export const MAX_MERGE_SOURCES = 10;

/** Every (noun, field) that references a Contact: what a merge re-points. */
const CONTACT_REFERENCES: readonly { noun: string; field: string }[] = NOUNS.flatMap((noun) =>
  Object.entries(noun.fields).flatMap(([field, spec]) =>
    spec.kind === 'ref' && spec.target === 'Contact' ? [{ noun: noun.name, field }] : [],
  ),
);

export function decideMerge(targetId: string, sourceIds: readonly string[], view: LifecycleView): DomainEvent[] {
  const target = requireWritable(Contact, targetId, view);
  const sources = sourceIds.map((id) => requireSource(id, targetId, view));
  const merging = new Set([targetId, ...sourceIds]);
  const tombstones: DomainEvent[] = sources.map((s) =>
    typedEvent({ type: 'Contact.Merged', entityType: 'Contact', entityId: s.id, data: { into: targetId } }),
  );
  const repoints = sources.flatMap((s) => repointReferences(s.id, targetId, merging, view));
  const changes = fillFromSources(target, sources, merging, view);
  const aliases = sources.map((s) => s.fields['email']).filter((e): e is string => typeof e === 'string');
  const data = { sources: sourceIds, aliases, changes };
  const merged = typedEvent({ type: 'Contact.Merged', entityType: 'Contact', entityId: targetId, data });
  return [...tombstones, ...repoints, merged];
}

function requireSource(id: string, targetId: string, view: LifecycleView): Entity {
  if (id === targetId)
    fail('invalid_merge', `${id} cannot be merged into itself`, {
      errors: [{ path: '/sources', message: 'contains the target' }],
    });
  const source = view.get(id);
  if (source?.type !== 'Contact')
    fail('not_found', `no Contact ${id}`, { errors: [{ path: '/sources', message: `no Contact ${id}` }] });
  if (source.deletedAt)
    fail('invalid_merge', `Contact ${id} was deleted and cannot be merged`, {
      errors: [{ path: '/sources', message: `${id} was deleted` }],
    });
  if (source.mergedInto)
    fail('merged', `Contact ${id} was merged into ${source.mergedInto} already`, {
      extra: { mergedInto: source.mergedInto },
      errors: [{ path: '/sources', message: `${id} is merged already` }],
    });
  return source;
}

// A reference between contacts of the same merge would point at the target itself: it is cleared
// on the target and left alone on sources (they become tombstones).
function repointReferences(
  sourceId: string,
  targetId: string,
  merging: ReadonlySet<string>,
  view: LifecycleView,
): DomainEvent[] {
  const events: DomainEvent[] = [];
  for (const { noun, field } of CONTACT_REFERENCES) {
    const referrers = view.referencing(sourceId, field, noun, MERGE_REFERENCE_LIMIT + 1);
    if (referrers.length > MERGE_REFERENCE_LIMIT)
      fail(
        'invalid_merge',
        `${sourceId} has more than ${MERGE_REFERENCE_LIMIT} ${noun}.${field} references; merge fewer at a time`,
      );
    for (const referrer of referrers) {
      if (merging.has(referrer) && referrer !== targetId) continue;
      const to = referrer === targetId ? null : targetId;
      events.push({
        type: `${noun}.Updated`,
        entityType: noun,
        entityId: referrer,
        data: { changes: { [field]: { from: sourceId, to } }, mergedInto: targetId },
      });
    }
  }
  return events;
}

function fillFromSources(
  target: Entity,
  sources: readonly Entity[],
  merging: ReadonlySet<string>,
  view: LifecycleView,
): Record<string, { from: null; to: unknown }> {
  const changes: Record<string, { from: null; to: unknown }> = {};
  for (const [field, spec] of Object.entries(Contact.fields)) {
    if (spec.kind === 'inverse' || Contact.computed.has(field) || target.fields[field] !== undefined) continue;
    for (const source of sources) {
      const value = source.fields[field];
      if (value === undefined || value === null) continue;
      // A reference is taken only if it points at something live outside the merge.
      if (spec.kind === 'ref' && (merging.has(String(value)) || !isLive(view.get(String(value))))) continue;
      changes[field] = { from: null, to: value };
      break;
    }
  }
  return changes;
}
