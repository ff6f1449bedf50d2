// `npm start` (scripts/start.mjs) as a user runs it: a signal to the script (Ctrl-C, `kill`, a closed
// terminal) stops wrangler and workerd with it, so nothing answers on the port afterwards.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, sleep } from './wrangler-dev';

const ROOT = resolve(import.meta.dirname, '../..');
const started: number[] = [];
const stateDirs: string[] = [];

// The project as a user has it, in a folder of its own (links to this one), so that what `npm start` writes
// there (.dev.vars, .wrangler/) does not land in the checkout the other tests run in.
const project = mkdtempSync(join(tmpdir(), 'crm-start-project-'));
for (const entry of readdirSync(ROOT)) {
  if (['.dev.vars', '.wrangler', '.git', 'dist', '.bench'].includes(entry)) continue;
  symlinkSync(join(ROOT, entry), join(project, entry));
}

describe('npm start', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it.concurrent(`stops wrangler and workerd when the script gets ${signal}`, async () => {
      const [port, inspectorPort] = [await freePort(), await freePort()];
      const state = mkdtempSync(join(tmpdir(), 'crm-start-'));
      stateDirs.push(state);
      const script = spawn(process.execPath, ['scripts/start.mjs', '--inspector-port', String(inspectorPort)], {
        cwd: project,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          PORT: String(port),
          PERSIST_TO: state,
          PATH: `${ROOT}/node_modules/.bin:${process.env['PATH']}`,
        },
      });
      let output = '';
      script.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      script.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      let running = true;
      const exited = new Promise<number | null>((done) =>
        script.once('exit', (code) => {
          running = false;
          done(code);
        }),
      );
      await untilAnswering(
        `http://127.0.0.1:${port}/health`,
        () => running,
        () => output,
      );

      const children = descendantsOf(script.pid!);
      started.push(...children);
      expect(children.map(commandOf).join('\n'), 'wrangler and workerd run under the script').toMatch(/workerd/);
      script.kill(signal);
      expect(await exited).toBe(0);
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
      await sleep(200);
      expect(children.filter(alive).map(commandOf), 'processes left behind').toEqual([]);
    });
  }
});

afterAll(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of [...stateDirs, project]) rmSync(dir, { recursive: true, force: true });
});

async function untilAnswering(url: string, running: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && running()) {
    const answer = await fetch(url).catch(() => undefined);
    if (answer?.status === 200) return;
    await sleep(250);
  }
  throw new Error(`npm start did not answer on ${url}:\n${output()}`);
}

function descendantsOf(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(`/proc/${entry}/stat`);
    // "pid (comm) state ppid …": comm may hold spaces, so read after its closing parenthesis.
    const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : NaN;
    if (Number.isFinite(ppid)) parents.set(Number(entry), ppid);
  }
  const found: number[] = [];
  const visit = (pid: number) => {
    for (const [child, parent] of parents) if (parent === pid) found.push(child), visit(child);
  };
  visit(root);
  return found;
}

/** Alive and not a zombie waiting for its parent. */
function alive(pid: number): boolean {
  const stat = existsSync(`/proc/${pid}/stat`) ? readProc(`/proc/${pid}/stat`) : undefined;
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

function commandOf(pid: number): string {
  return `${pid} ${(readProc(`/proc/${pid}/cmdline`) ?? '').replaceAll('\0', ' ').trim()}`;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
