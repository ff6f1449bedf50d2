// The Worker: the HTTP edge in front of the tenants' logs.
import { buildRouter } from './router';
import type { Env } from './env';

export { TenantLog } from '../durable-objects/tenant-log';

const router = buildRouter();

export default {
  fetch: (request, env, ctx) => router.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
