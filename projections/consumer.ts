// The crm-events queue consumer. Messages are nudges: for each tenant in a batch it asks that tenant's
// ReadModel to catch up (it pulls the log itself, in seq order) and acks the tenant's messages only
// once the checkpoint covers them. A tenant whose projection is stuck (a gap, an event it cannot apply)
// has its messages acked too: they carry no data, and the ReadModel's own alarm retries until the cause
// is gone, so the queue does not go round in circles. A tenant whose ReadModel could not be reached is
// retried with backoff; after max_retries the queue moves its messages to crm-events-dlq.
import type { OutboxMessage } from '../durable-objects/outbox';
import type { ReadModel } from '../durable-objects/read-model';
import type { Env } from '../shared/env';
import { log } from '../shared/log';

type ReadModelClient = Pick<ReadModel, 'catchUp' | 'list' | 'graph' | 'status' | 'rebuild' | 'wipe'>;

export function readModelOf(env: Env, tenant: string): ReadModelClient {
  return env.READ_MODEL.get(env.READ_MODEL.idFromName(tenant)) as unknown as ReadModelClient;
}

const MAX_RETRY_DELAY_S = 300;

export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const byTenant = new Map<string, Message<unknown>[]>();
  for (const message of batch.messages) {
    const tenant = tenantOf(message.body);
    // A body that names no tenant can never be applied: ack it rather than retry it forever.
    if (tenant === undefined) {
      log.warn('crm-events: message without a tenant, acked', { messageId: message.id });
      message.ack();
      continue;
    }
    byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), message]);
  }
  await Promise.all([...byTenant].map(([tenant, messages]) => nudge(env, tenant, messages)));
}

async function nudge(env: Env, tenant: string, messages: readonly Message<unknown>[]): Promise<void> {
  let checkpoint = -1;
  let stuck = false;
  try {
    const result = await readModelOf(env, tenant).catchUp(tenant);
    if (result.ok) ({ checkpoint } = result.value);
    if (result.ok && result.value.stuck) {
      stuck = true;
      // Once per stuck episode: the status route names it for as long as it lasts.
      const { seq, reason, attempts } = result.value.stuck;
      if (attempts === 1) log.warn('crm-events: tenant is stuck', { tenant, seq, reason });
    }
    if (!result.ok) log.warn('crm-events: tenant did not catch up; retried', { tenant, reason: result.error.message });
  } catch (error) {
    log.warn('crm-events: tenant failed; retried', { tenant, error });
  }
  for (const message of messages) {
    if (stuck || seqOf(message.body) <= checkpoint) message.ack();
    else message.retry({ delaySeconds: Math.min(MAX_RETRY_DELAY_S, 2 ** message.attempts) });
  }
}

function tenantOf(body: unknown): string | undefined {
  const tenant = (body as Partial<OutboxMessage> | null)?.tenant;
  return typeof tenant === 'string' && tenant !== '' ? tenant : undefined;
}

function seqOf(body: unknown): number {
  const seq = (body as Partial<OutboxMessage> | null)?.seq;
  return typeof seq === 'number' ? seq : 0;
}
