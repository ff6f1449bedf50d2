// The bench's Worker: the real Worker (workers/index.ts) unchanged, plus bench-only routes under
// /__bench/ and a TenantLog with in-DO loops. Built and served only by scripts/bench.mjs.
import { WorkerEntrypoint } from 'cloudflare:workers';
import worker from '../workers/index';
import type { Env } from '../shared/env';
import { BenchLifecycleLog } from './bench-lifecycle-log';
import { BenchReadModel } from './bench-read-model';

// Every class the real entry exports (so wrangler.toml's bindings resolve), with TenantLog replaced by
// the bench subclass: a local export shadows the same name from `export *`. Another DO gets its
// bench subclass the same way.
export * from '../workers/index';
export { BenchLifecycleLog as TenantLog };
export { BenchReadModel as ReadModel };

type BenchStub = Record<string, (...args: unknown[]) => Promise<unknown>>;

function stubOf(env: Env, binding: string, name: string): BenchStub | undefined {
  const namespace = (env as unknown as Record<string, unknown>)[binding] as DurableObjectNamespace | undefined;
  if (typeof namespace?.idFromName !== 'function') return undefined;
  return namespace.get(namespace.idFromName(name)) as unknown as BenchStub;
}

/**
 * GET  /__bench/bare                            the Worker alone, no DO: the ceiling of loopback + load generator.
 * GET  /__bench/ping/{tenant}                   the bare DO round trip: Worker → TenantLog.ping() → answer.
 * POST /__bench/do/{BINDING}/{name}/{method}    calls the `bench*` method of that object with the JSON array body.
 */
async function benchRoute(request: Request, env: Env): Promise<Response> {
  const [, , action, ...rest] = new URL(request.url).pathname.split('/');
  if (action === 'bare') return new Response('ok');
  if (action === 'ping') return new Response(String(await stubOf(env, 'TENANT_LOG', rest[0] ?? '')!['ping']!()));
  const [binding = '', name = '', method = ''] = rest;
  const stub = stubOf(env, binding, name);
  if (action === 'do' && stub && method.startsWith('bench') && request.method === 'POST') {
    const args = (await request.json()) as unknown[];
    return Response.json(await stub[method]!(...args));
  }
  return new Response(`no bench route ${request.method} ${new URL(request.url).pathname}`, { status: 404 });
}

const benchWorker = {
  ...worker,
  fetch: (request, env, ctx) =>
    new URL(request.url).pathname.startsWith('/__bench/') ? benchRoute(request, env) : worker.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
export default benchWorker;

/**
 * The same Worker as a named entrypoint, which the bench's socket addresses. With [assets] in wrangler.toml,
 * Miniflare sends requests for the default entrypoint through its assets proxy and router worker, two Worker
 * invocations of its own before ours (0.2-0.4 ms a request, bench scenario 21); like the dev proxy, that is the
 * local emulation of the platform, not our code. The default entrypoint stays reachable for scenario 21.
 */
export class BenchDirect extends WorkerEntrypoint<Env> {
  override fetch(request: Request<unknown, IncomingRequestCfProperties>): Promise<Response> {
    return Promise.resolve(benchWorker.fetch(request, this.env, this.ctx));
  }
}
