// Fault injection inside a tenant's Durable Object: the k-th SQL statement throws, once. And the
// check that must hold after any fault: SQLite's folded state (entities, uniques, refs) equals a
// replay of its log with the domain code, and what the object holds in memory (head, entity cache)
// equals SQLite.
import { runInDurableObject } from 'cloudflare:test';
import { expect } from 'vitest';
import { isLive, type Entity } from '../domain/entity';
import { fold } from '../domain/evolve';
import { normalizeUnique } from '../domain/formats';
import { fieldLists } from '../domain/field-lists';
import { nounByName } from '../domain/nouns';
import { rowToEntity, rowToEvent } from '../durable-objects/event-store';
import { logStub } from './projection-helpers';

interface Fault {
  armed: boolean;
  /** Statements still to pass before the one that throws. */
  countdown: number;
  fired: boolean;
}

const faults = new Map<string, Fault>();

type Exec = SqlStorage['exec'];

/** Wraps the object's SqlStorage.exec once; every holder of ctx.storage.sql calls through it. */
export async function installFaults(tenant: string): Promise<void> {
  const fault: Fault = { armed: false, countdown: 0, fired: false };
  faults.set(tenant, fault);
  await runInDurableObject(logStub(tenant), (_instance, state) => {
    const sql = state.storage.sql as SqlStorage & { exec: Exec };
    const original = sql.exec.bind(sql) as Exec;
    sql.exec = ((query: string, ...bindings: unknown[]) => {
      if (fault.armed && fault.countdown-- === 0) {
        fault.armed = false;
        fault.fired = true;
        throw new Error(`injected fault: ${query.trim().split(/\s+/).slice(0, 3).join(' ')}`);
      }
      return original(query, ...(bindings as SqlStorageValue[]));
    }) as Exec;
  });
}

/** The k-th statement from now (1-based) throws. */
export function armFault(tenant: string, k: number): void {
  Object.assign(faults.get(tenant)!, { armed: true, countdown: k - 1, fired: false });
}

/** Disarms; says whether the fault fired. */
export function disarmFault(tenant: string): boolean {
  const fault = faults.get(tenant)!;
  fault.armed = false;
  return fault.fired;
}

type Row = Record<string, SqlStorageValue>;

/** The head seq as SQLite has it and as the object holds it; fails the test where state differs from a replay. */
export async function expectReplayEqualsState(tenant: string, context: string): Promise<{ head: number }> {
  return runInDurableObject(logStub(tenant), (instance, state) => {
    const sql = state.storage.sql;
    const events = sql
      .exec('SELECT * FROM events ORDER BY seq')
      .toArray()
      .map((r) => rowToEvent(r as Row));
    for (const [i, event] of events.entries()) expect(event.seq, `${context}: gapless seq`).toBe(i + 1);
    const replayed = fold(events);
    const stored = new Map(
      sql
        .exec('SELECT * FROM entities')
        .toArray()
        .map((r) => [String(r['id']), rowToEntity(r as Row)]),
    );
    expect(sortById([...stored.values()]), `${context}: entities = replay`).toEqual(sortById([...replayed.values()]));
    const expected = indexesOf([...replayed.values()]);
    const uniques = sql
      .exec('SELECT noun, field, value, entity_id FROM uniques')
      .toArray()
      .map((r) => [r['noun'], r['field'], r['value'], r['entity_id']].join('|'));
    const refs = sql
      .exec('SELECT target_id, field, source_type, source_id FROM refs')
      .toArray()
      .map((r) => [r['target_id'], r['field'], r['source_type'], r['source_id']].join('|'));
    expect(uniques.sort(), `${context}: uniques = replay`).toEqual(expected.uniques);
    expect(refs.sort(), `${context}: refs = replay`).toEqual(expected.refs);
    const head = events.length;
    const { parts: inside } = instance as unknown as {
      parts: { store: { headSeq: number; get(id: string): Entity | undefined } };
    };
    expect(inside.store.headSeq, `${context}: head in memory = head in SQLite`).toBe(head);
    for (const entity of replayed.values())
      expect(inside.store.get(entity.id), `${context}: ${entity.id} in memory = replay`).toEqual(entity);
    const orphans = sql.exec('SELECT COUNT(*) AS n FROM hook_jobs WHERE trigger_seq > ?', head).one()['n'];
    expect(orphans, `${context}: hook jobs of unrecorded events`).toBe(0);
    const outbox = sql.exec('SELECT sent AS n FROM outbox_cursor').one()['n'];
    expect(Number(outbox), `${context}: outbox cursor past the head`).toBeLessThanOrEqual(head);
    return { head };
  });
}

function sortById(entities: Entity[]): Entity[] {
  return entities.sort((a, b) => (a.id < b.id ? -1 : 1));
}

function indexesOf(entities: Entity[]): { uniques: string[]; refs: string[] } {
  const uniques: string[] = [];
  const refs: string[] = [];
  for (const entity of entities.filter(isLive)) {
    const noun = nounByName.get(entity.type);
    if (!noun) continue;
    const lists = fieldLists(noun);
    for (const field of lists.uniqueValues) {
      const value = entity.fields[field];
      if (typeof value === 'string') uniques.push([noun.name, field, normalizeUnique(value), entity.id].join('|'));
    }
    for (const [field] of lists.refs) {
      const value = entity.fields[field];
      if (typeof value === 'string') refs.push([value, field, noun.name, entity.id].join('|'));
    }
  }
  return { uniques: uniques.sort(), refs: refs.sort() };
}
