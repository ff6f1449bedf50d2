// Starts `wrangler dev` as a user would (npm start), on free ports with fresh state, for end-to-end tests
// that drive it as outside clients. Waits until it answers; stops it (its whole process group) on
// stop(), SIGKILLs it on kill(), and never leaves it running when starting fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const E2E_ADMIN_TOKEN = 'e2e-admin-token';
const READY_TIMEOUT_MS = 60_000;

export interface WranglerDev {
  readonly url: string;
  /** SIGTERM, then SIGKILL after 5 s; removes the state folder it created. */
  stop(): Promise<void>;
  /** SIGKILL at once (a crash); the state folder stays for a restart on it. */
  kill(): Promise<void>;
}

export async function startWranglerDev(
  opts: { persistTo?: string; vars?: Record<string, string> } = {},
): Promise<WranglerDev> {
  const root = resolve(import.meta.dirname, '../..');
  const ownState = opts.persistTo === undefined;
  const state = opts.persistTo ?? mkdtempSync(join(tmpdir(), 'crm-e2e-'));
  const [port, inspector] = [await freePort(), await freePort()];
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
    state,
    '--log-level',
    'warn',
    '--show-interactive-dev-session=false',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  const child = spawn(join(root, 'node_modules/.bin/wrangler'), args, {
    cwd: root,
    detached: true, // its own process group, so workerd goes down with it
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1', NO_COLOR: '1' },
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  // If the test process itself goes away, its server goes too.
  const onExit = () => signal('SIGKILL');
  process.once('exit', onExit);
  exited.then(() => process.off('exit', onExit));
  const stop = async () => {
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    if (ownState) rmSync(state, { recursive: true, force: true });
  };
  const kill = async () => {
    signal('SIGKILL');
    await exited;
  };
  try {
    await waitUntilReady(url, child);
  } catch (error) {
    await stop();
    throw new Error(`wrangler dev did not start: ${(error as Error).message}\n${output}`);
  }
  return { url, stop, kill };
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`it exited with ${child.exitCode}`);
    try {
      // Any HTTP answer (a 404 too) means the Worker is serving.
      await fetch(`${url}/~ready/events`, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`no answer within ${READY_TIMEOUT_MS / 1000} s`);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
