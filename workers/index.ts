// The Worker: the HTTP edge in front of the tenants' logs, and the crm-events queue consumer.
import { consumeEvents } from '../projections/consumer';
import { consumeWebhooks } from './webhook-consumer';
import { withCors } from './cors';
import { buildRouter } from './router';
import type { Env } from '../shared/env';

export { TenantLog } from '../durable-objects/tenant-log';
export { ReadModel } from '../durable-objects/read-model';
export { StreamHub } from '../durable-objects/stream-hub';

const router = buildRouter();

export default {
  fetch: (request, env, ctx) => withCors(request, env, () => router.fetch(request, env, ctx)),
  queue: (batch, env) =>
    batch.queue.startsWith('crm-webhooks') ? consumeWebhooks(batch, env) : consumeEvents(batch, env),
} satisfies ExportedHandler<Env>;
