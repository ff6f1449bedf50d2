// Starts `wrangler dev` (workerd + SQLite + local queues, as `npm start` does) on free ports for an
// end-to-end test, and stops it: the whole process group, so no workerd is left answering.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const E2E_ADMIN_TOKEN = 'e2e-admin-token';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startWranglerDev(opts: { persistTo?: string; vars?: Record<string, string> } = {}): Promise<{
  url: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}> {
  const port = await freePort();
  const inspector = await freePort();
  const persistTo = opts.persistTo ?? mkdtempSync(join(tmpdir(), 'crm-e2e-'));
  const vars = { ADMIN_TOKEN: E2E_ADMIN_TOKEN, ...opts.vars };
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector), '--persist-to', persistTo, '--show-interactive-dev-session=false'];
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`);
  const child = spawn(join(process.cwd(), 'node_modules/.bin/wrangler'), args, {
    cwd: process.cwd(),
    detached: true, // its own process group: stopping it stops workerd too
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      await fetch(`${url}/openapi.json`);
      break;
    } catch {
      if (Date.now() > deadline) {
        await signal('SIGKILL');
        throw new Error(`wrangler dev did not answer within 90 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return { url, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}
