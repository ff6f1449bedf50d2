// decide(command, state) → events: every rule that depends on stored state. Pure: it reads through
// the StateView, gets time and actor from the metadata, and throws only DomainError.
import type { Command } from './commands';
import type { Entity } from './entity';
import { isLive, represent } from './entity';
import { fail } from './errors';
import type { DomainEvent } from './events';
import type { Changes } from './evolve';
import { normalizeUnique } from './formats';
import { fieldLists } from './field-lists';
import type { NounSchema } from './noun';
import { nounByName } from './nouns';
import { checkStageMove, withDefaults } from './stage-machine';
import type { StateView } from './state-view';

export function decide(command: Command, view: StateView): DomainEvent[] {
  const noun = nounByName.get(command.noun) ?? fail('not_found', `unknown noun ${command.noun}`);
  switch (command.kind) {
    case 'create':
      return decideCreate(noun, command.id, command.data, view);
    case 'update':
      return decideUpdate(
        noun,
        requireWritable(noun, command.id, view, command.ifMatch),
        command.data,
        view,
        command.echoed,
      );
    case 'delete': {
      const entity = requireWritable(noun, command.id, view, command.ifMatch);
      return [{ type: `${noun.name}.Deleted`, entityType: noun.name, entityId: entity.id, data: {} }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

function decideCreate(
  noun: NounSchema,
  id: string,
  data: Readonly<Record<string, unknown>>,
  view: StateView,
): DomainEvent[] {
  if (view.get(id)) fail('duplicate', `${id} exists already`);
  const fields = withDefaults(noun.name, resolveReferences(noun, id, data, view));
  checkUnique(noun, id, fields, view);
  return [{ type: `${noun.name}.Created`, entityType: noun.name, entityId: id, data: fields }];
}

function decideUpdate(
  noun: NounSchema,
  entity: Entity,
  data: Readonly<Record<string, unknown>>,
  view: StateView,
  echoed?: Readonly<Record<string, unknown>>,
): DomainEvent[] {
  if (echoed) checkEchoes(entity, echoed);
  const resolved = resolveReferences(noun, entity.id, data, view, entity.fields);
  const changes = diff(entity.fields, resolved);
  if (Object.keys(changes).length === 0) return [];
  if (changes['stage'] && noun.fields['stage'] && noun.name === 'Contact')
    checkStageMove(changes['stage'].from, changes['stage'].to, 'update');
  checkUnique(noun, entity.id, Object.fromEntries(Object.entries(changes).map(([k, c]) => [k, c.to])), view);
  return [{ type: `${noun.name}.Updated`, entityType: noun.name, entityId: entity.id, data: { changes } }];
}

// A PATCH of a whole representation (GET → edit → PATCH) sends back `$` metadata and computed fields:
// equal to the current values they are ignored; a different $version is a stale copy (412, as
// If-Match would say); any other difference is a write to a read-only field (422).
function checkEchoes(entity: Entity, echoed: Readonly<Record<string, unknown>>): void {
  const current = represent(entity);
  const differing = Object.keys(echoed).filter((key) => (current[key] ?? null) !== echoed[key]);
  if (differing.includes('$version'))
    fail(
      'version_mismatch',
      `${entity.type} ${entity.id} is at version ${entity.version}, not ${String(echoed['$version'])}`,
      {
        extra: { version: entity.version },
        errors: [{ path: '/$version', message: `is ${entity.version} now` }],
      },
    );
  if (differing.length)
    fail('invalid', `read-only fields differ from ${entity.id}'s`, {
      errors: differing.map((key) => ({
        path: `/${key}`,
        message:
          `is ${key.startsWith('$') ? 'metadata' : 'computed'} and read-only: ` +
          `it is ${JSON.stringify(current[key] ?? null)}`,
      })),
    });
}

/** The live entity a write addresses, or the error a client should see. */
export function requireWritable(noun: NounSchema, id: string, view: StateView, ifMatch?: number): Entity {
  const entity = view.get(id);
  if (!entity || entity.type !== noun.name) fail('not_found', `no ${noun.name} ${id}`);
  if (entity.deletedAt) fail('gone', `${noun.name} ${id} was deleted`);
  if (entity.mergedInto)
    fail('merged', `${noun.name} ${id} was merged into ${entity.mergedInto}`, {
      extra: { mergedInto: entity.mergedInto },
    });
  if (ifMatch !== undefined && ifMatch !== entity.version)
    fail('version_mismatch', `${noun.name} ${id} is at version ${entity.version}, not ${ifMatch}`, {
      extra: { version: entity.version },
    });
  return entity;
}

/** Field-by-field changes a partial write makes; null clears a field. */
export function diff(fields: Readonly<Record<string, unknown>>, data: Readonly<Record<string, unknown>>): Changes {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [key, to] of Object.entries(data)) {
    const from = fields[key] ?? null;
    if (from !== (to ?? null)) changes[key] = { from, to: to ?? null };
  }
  return changes;
}

// References must point at a live entity of the declared noun; one pointing at a merged entity
// follows the merge, and a self-reference must not close a loop (A manages B manages A).
// An update checks only the references it changes: re-sending the current one (whose target may
// have been deleted since) changes nothing. A create passes no `current` and checks them all.
export function resolveReferences(
  noun: NounSchema,
  id: string,
  data: Readonly<Record<string, unknown>>,
  view: StateView,
  current?: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...data };
  for (const [key, spec] of fieldLists(noun).refs) {
    const value = data[key];
    if (typeof value !== 'string' || value === current?.[key]) continue;
    const target = followMerges(value, view);
    if (!isLive(target) || target.type !== spec.target)
      fail('invalid_reference', `${key} must reference a live ${spec.target}`, {
        errors: [{ path: `/${key}`, message: `no live ${spec.target} ${value}` }],
      });
    if (spec.target === noun.name) checkNoCycle(key, id, target.id, view);
    out[key] = target.id;
  }
  return out;
}

export function followMerges(id: string, view: StateView): Entity | undefined {
  let entity = view.get(id);
  for (let hops = 0; entity?.mergedInto && hops < 100; hops++) entity = view.get(entity.mergedInto);
  return entity;
}

const MAX_CHAIN = 10_000;

/** The one cycle check: following `field` from `start` must not come back to `id` (A manages B manages A). */
export function checkNoCycle(field: string, id: string, start: string, view: StateView): void {
  let cursor: string | undefined = start;
  for (let hops = 0; cursor !== undefined && hops < MAX_CHAIN; hops++) {
    if (cursor === id)
      fail('cycle', `setting ${field} to ${start} would make a cycle through ${id}`, {
        errors: [{ path: `/${field}`, message: 'would make a cycle' }],
      });
    const next: unknown = view.get(cursor)?.fields[field];
    cursor = typeof next === 'string' ? next : undefined;
  }
}

export function checkUnique(
  noun: NounSchema,
  id: string,
  fields: Readonly<Record<string, unknown>>,
  view: StateView,
): void {
  for (const key of fieldLists(noun).uniques) {
    const value = fields[key];
    if (typeof value !== 'string') continue;
    const holder = view.findUnique(noun.name, key, normalizeUnique(value));
    if (holder !== undefined && holder !== id)
      fail('duplicate', `${key} ${value} belongs to ${holder} already`, {
        extra: { existingId: holder },
        errors: [{ path: `/${key}`, message: `is taken by ${holder}` }],
      });
  }
}
