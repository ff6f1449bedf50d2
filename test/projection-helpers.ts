// Looking at a tenant's projection from inside, without the pull every HTTP read makes: what the queue
// consumer alone has applied, compared with a fold of the log.
import { env, runInDurableObject } from 'cloudflare:test';
import type { Entity } from '../domain/entity';
import type { StoredEvent } from '../domain/events';
import { fold } from '../domain/evolve';
import { NOUNS } from '../domain/nouns';
import type { ReadModel } from '../durable-objects/read-model';
import type { TenantLog } from '../durable-objects/tenant-log';
import { tableName } from '../projections/tables';

export function readModelStub(tenant: string): DurableObjectStub<ReadModel> {
  return env.READ_MODEL.get(env.READ_MODEL.idFromName(tenant));
}

export function logStub(tenant: string): DurableObjectStub<TenantLog> {
  return env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant));
}

export async function logEvents(tenant: string): Promise<StoredEvent[]> {
  const log = logStub(tenant) as unknown as Pick<TenantLog, 'pull'>;
  return (await log.pull(0, 1_000_000)).events;
}

/** Every entity the log folds to, tombstones included, by id. */
export async function foldedLog(tenant: string): Promise<Record<string, Entity>> {
  return Object.fromEntries(fold(await logEvents(tenant)));
}

/** Every entity the live generation holds, by id, and its checkpoint. */
export async function projected(
  tenant: string,
): Promise<{ checkpoint: number; generation: number; entities: Record<string, Entity> }> {
  return runInDurableObject(readModelStub(tenant), (_instance, state) => {
    const live = state.storage.sql.exec('SELECT generation, checkpoint FROM rm_generations WHERE live = 1').one();
    const generation = Number(live['generation']);
    const entities: Record<string, Entity> = {};
    for (const noun of NOUNS)
      for (const row of state.storage.sql
        .exec(`SELECT entity FROM ${tableName(generation, noun.name)} ORDER BY id`)
        .toArray()) {
        const entity = JSON.parse(String(row['entity'])) as Entity;
        entities[entity.id] = entity;
      }
    return { checkpoint: Number(live['checkpoint']), generation, entities };
  });
}
