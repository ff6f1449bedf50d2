// The end-to-end harness: `wrangler dev` (workerd, SQLite, local queues) as its own process group on a free
// port, with fresh or given state, driven over HTTP. Every instance a test file starts is killed when the file
// ends (afterAll below, also when a test failed) or when the test process exits, so none outlives its tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

/** The admin token every instance gets unless `vars.ADMIN_TOKEN` says otherwise. */
export const E2E_ADMIN_TOKEN = 'e2e-admin-token';

export interface WranglerDevOptions {
  /** A state folder to reuse (a restart on the same data); fresh in the temp folder when absent. */
  readonly persistTo?: string;
  /** Worker vars (`--var NAME:value`), over ADMIN_TOKEN = E2E_ADMIN_TOKEN. */
  readonly vars?: Record<string, string>;
  /** How long to wait for the first answer (default 90 s: the machine may be busy). */
  readonly startTimeoutMs?: number;
}

export interface WranglerDev {
  /** `http://127.0.0.1:<port>`, answering once the promise resolves. */
  readonly url: string;
  /** The state folder, to restart on the same data with `startWranglerDev({ persistTo: dev.stateDir })`. */
  readonly stateDir: string;
  /** The process group's leader (wrangler); workerd and esbuild are in its group. */
  readonly pid: number;
  /** What wrangler printed so far (the last 64 KiB), for failure messages. */
  output(): string;
  /** SIGTERM to the whole group, SIGKILL after 10 s, then waits until the port is closed. */
  stop(): Promise<void>;
  /** SIGKILL to the whole group (a crash: nothing gets to flush), then waits until the port is closed. */
  kill(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '../..');
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
const live = new Set<WranglerDev>();
const ownedStateDirs = new Set<string>();

export async function startWranglerDev(options: WranglerDevOptions = {}, attempt = 1): Promise<WranglerDev> {
  const stateDir = options.persistTo ?? mkdtempSync(join(tmpdir(), 'crm-e2e-'));
  if (!options.persistTo) ownedStateDirs.add(stateDir);
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const vars = { ADMIN_TOKEN: E2E_ADMIN_TOKEN, ...options.vars };
  const args = [
    WRANGLER,
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--persist-to',
    stateDir,
    '--show-interactive-dev-session=false',
    '--log-level',
    'warn',
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ];
  // Its own process group (detached), so one signal to the group reaches wrangler, workerd and esbuild.
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: '1' },
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-65_536));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const dev: WranglerDev = {
    url,
    stateDir,
    pid: child.pid!,
    output: () => output,
    stop: () => end(dev, child, exited, 'SIGTERM'),
    kill: () => end(dev, child, exited, 'SIGKILL'),
  };
  live.add(dev);
  try {
    await answering(url, child, options.startTimeoutMs ?? 90_000);
  } catch (error) {
    await dev.kill();
    // Another process took a drawn port first: draw again (rare; the state folder is untouched).
    if (/Address already in use/.test(output) && attempt < 3) return startWranglerDev(options, attempt + 1);
    throw new Error(`wrangler dev did not start: ${(error as Error).message}\n${output}`);
  }
  return dev;
}

/** Waits until `GET /health` answers 200; fails early when wrangler exits. */
async function answering(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const answer = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      await answer.arrayBuffer();
      if (answer.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`no answer on ${url} within ${timeoutMs} ms`);
}

async function end(dev: WranglerDev, child: ChildProcess, exited: Promise<void>, signal: NodeJS.Signals) {
  live.delete(dev);
  signalGroup(child.pid!, signal);
  if (signal === 'SIGTERM') await Promise.race([exited, sleep(10_000)]);
  // Whatever of the group is still there (a stuck workerd, an esbuild) goes now.
  signalGroup(child.pid!, 'SIGKILL');
  await exited;
  await closed(dev.url);
}

/** Waits until nothing answers on the URL any more (workerd may outlive wrangler by a moment). */
async function closed(url: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    } catch (error) {
      if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return;
    }
    await sleep(100);
  }
  throw new Error(`${url} still answers after its process group was killed`);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

// Ports are drawn below Linux's ephemeral range (32768–60999): the kernel hands those out to every socket bound
// to port 0 (wrangler's and workerd's own among them), so a port it picked and we freed could be taken again
// before wrangler binds it. A draw here can only meet another draw, and is checked free first.
const PORT_RANGE = { from: 20_000, size: 12_000 };

/** A port nothing listens on now, outside the kernel's ephemeral range. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * PORT_RANGE.size);
    if (await bindable(port)) return port;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

afterAll(async () => {
  await Promise.all([...live].map((dev) => dev.kill()));
  for (const dir of ownedStateDirs) rmSync(dir, { recursive: true, force: true });
  ownedStateDirs.clear();
});

// Last resort when the test process exits without afterAll (an interrupted run): no process group survives it.
process.once('exit', () => {
  for (const dev of live) signalGroup(dev.pid, 'SIGKILL');
  for (const dir of ownedStateDirs) rmSync(dir, { recursive: true, force: true });
});
