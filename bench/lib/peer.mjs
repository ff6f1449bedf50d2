// The bench's peer (bench/peer/): Emmett on a throw-away PostgreSQL cluster, started and stopped here for
// `npm run bench -- --peer`. Answers {skipped} with the reason when PostgreSQL cannot be had.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensurePostgres, startCluster } from './postgres.mjs';

const PEER_DIR = fileURLToPath(new URL('../peer', import.meta.url));

/** Installs bench/peer's own dependencies on first use (they are not the project's). */
function ensurePeerDependencies(log) {
  if (existsSync(`${PEER_DIR}/node_modules/@event-driven-io/emmett-postgresql`)) return null;
  log('installing the dependencies of bench/peer (npm ci there)');
  const run = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: PEER_DIR,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return run.status === 0 ? null : `npm ci in bench/peer failed (exit ${run.status})`;
}

/**
 * @returns {Promise<{skipped: string} | {baseUrl: string, pid: number, postmasterPid: number, settings: object,
 *   stop: () => Promise<void>}>}
 */
export async function startPeer({ parent, token, log }) {
  const { bin, reason } = ensurePostgres(log);
  if (!bin) return { skipped: reason };
  const failed = ensurePeerDependencies(log);
  if (failed) return { skipped: failed };
  const cluster = startCluster({ bin, parent });
  const child = spawn(process.execPath, ['src/server.ts'], {
    cwd: PEER_DIR,
    env: { ...process.env, PEER_PG: cluster.connectionString, PEER_TOKEN: token, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    cluster.stop();
  };
  try {
    const lines = createInterface({ input: child.stdout });
    const first = await Promise.race([
      once(lines, 'line').then(([line]) => line),
      once(child, 'exit').then(([code]) => Promise.reject(new Error(`the peer exited (${code}) before listening`))),
    ]);
    const { port, pid, settings } = JSON.parse(first);
    return { baseUrl: `http://127.0.0.1:${port}`, pid, postmasterPid: cluster.postmasterPid, settings, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
