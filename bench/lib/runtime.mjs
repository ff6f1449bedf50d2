// Serves the bundled bench worker on workerd through the Miniflare API: wrangler.toml's bindings, DO
// SQLite on disk under .bench/, no network (cf: false), and a direct socket to the Worker (no Miniflare
// entry proxy in the way). The socket serves the Worker's named entrypoint BenchDirect (bench/worker.ts), so
// no assets router either; `routedUrl` is a second socket on the default entrypoint, through that router.
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { resolve } from 'node:path';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';

export const BENCH_ADMIN_TOKEN = 'bench-admin-token';

/** Starts workerd (with an inspector when `inspectorPort` is given); answers Miniflare and the Worker's base URL. */
export async function startRuntime({ modulePath, stateDir, inspectorPort }) {
  // modulesRules only matter to unbundled sources; the bundle is one ES module.
  const { modulesRules: _rules, ...workerOptions } = unstable_getMiniflareWorkerOptions('wrangler.toml').workerOptions;
  const worker = {
    ...workerOptions,
    name: 'crm-bench',
    modules: [{ type: 'ESModule', path: resolve(modulePath) }],
    bindings: { ...workerOptions.bindings, ADMIN_TOKEN: BENCH_ADMIN_TOKEN },
    unsafeDirectSockets: [
      { host: '127.0.0.1', port: 0, entrypoint: 'BenchDirect' },
      { host: '127.0.0.1', port: 0 },
    ],
  };
  // wrangler still speaks Miniflare's v4 option shape; the adapter turns it into this version's.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [worker],
      resourcePersistencePath: resolve(stateDir),
      cf: false,
      log: new Log(LogLevel.WARN),
      ...(inspectorPort ? { inspectorPort } : {}),
    }),
  );
  await mf.ready;
  const url = await mf.unsafeGetDirectURL('crm-bench', 'BenchDirect');
  const routed = await mf.unsafeGetDirectURL('crm-bench');
  return { mf, baseUrl: url.origin, routedUrl: routed.origin };
}
