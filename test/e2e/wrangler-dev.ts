// End-to-end harness: `wrangler dev` on free ports with its own state directory, for tests that need a
// real server (the CLI, persisted SQLite files). Resolves once the server answers HTTP; cleans up on failure.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface WranglerDev {
  readonly url: string;
  /** Stops the server gracefully (SIGINT, then SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '../..');
/** The admin token the server runs with unless `vars` say otherwise. */
export const E2E_ADMIN_TOKEN = 'e2e-admin-token';
const READY_TIMEOUT_MS = 60_000;

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((done) => child.once('exit', () => done()));
}

export async function startWranglerDev(
  opts: { persistTo?: string; vars?: Record<string, string> } = {},
): Promise<WranglerDev> {
  const port = await freePort();
  const inspector = await freePort();
  const ownState = opts.persistTo === undefined;
  const persistTo = opts.persistTo ?? mkdtempSync(join(tmpdir(), 'crm-e2e-'));
  const vars = { ADMIN_TOKEN: E2E_ADMIN_TOKEN, ...opts.vars };
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspector),
    '--persist-to',
    persistTo,
    '--show-interactive-dev-session=false',
    '--log-level',
    'error',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  // Through this very node (24): the wrangler script's shebang would find the system's older one.
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const cleanup = () => {
    if (ownState) rmSync(persistTo, { recursive: true, force: true });
  };
  const kill = async () => {
    signalGroup('SIGKILL');
    await exited(child);
  };
  const stop = async () => {
    signalGroup('SIGINT');
    const timer = setTimeout(() => signalGroup('SIGKILL'), 5_000);
    await exited(child);
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (true) {
    if (child.exitCode !== null) {
      cleanup();
      throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output}`);
    }
    try {
      await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await kill();
        cleanup();
        throw new Error(`wrangler dev did not answer within ${READY_TIMEOUT_MS} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    stop: async () => {
      await stop();
      cleanup();
    },
    kill: async () => {
      await kill();
      cleanup();
    },
  };
}
