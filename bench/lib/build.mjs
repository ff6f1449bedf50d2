// Bundles the bench entry exactly as `wrangler deploy` bundles the real one (same esbuild settings,
// polyfills and defines), so the bench serves the code we ship plus the bench routes.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Builds bench/worker.ts into `outDir` and answers the path of the bundled module. */
export function buildBenchWorker(outDir) {
  execFileSync(
    process.execPath,
    ['node_modules/wrangler/bin/wrangler.js', 'deploy', '--dry-run', '--outdir', outDir, 'bench/worker.ts'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    },
  );
  return join(outDir, 'worker.js');
}
