// A throw-away PostgreSQL cluster for the bench's peer (bench/peer/): Debian's `postgresql` binaries, a
// fresh initdb in a temp folder beside the DO state, fsync and synchronous_commit on, listening only on a
// unix socket in that folder (no TCP port to collide with anyone's). Started and stopped by the bench;
// `pg_ctl stop -m immediate` on exit if the bench is interrupted.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const NEEDED = ['initdb', 'pg_ctl', 'postgres'];

/** The folder holding initdb, pg_ctl and postgres, or null when PostgreSQL is not installed. */
export function findPostgresBin() {
  const candidates = [];
  try {
    candidates.push(
      execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
    );
  } catch {
    // no pg_config on PATH: look where Debian puts the server
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  return candidates.find((dir) => NEEDED.every((tool) => existsSync(join(dir, tool)))) ?? null;
}

/**
 * Finds the binaries; when they are missing and we are root on a Debian-like system, installs Debian's
 * `postgresql` with apt-get (saying so first). Answers the bin folder, or null with the reason logged.
 */
export function ensurePostgres(log) {
  const found = findPostgresBin();
  if (found) return { bin: found };
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt)
    return {
      bin: null,
      reason: `PostgreSQL binaries not found (${isRoot ? 'no apt-get' : 'not root, cannot apt-get install'})`,
    };
  log("PostgreSQL binaries not found: running apt-get update && apt-get install -y postgresql (Debian's package)");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', 'postgresql']]) {
    const run = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (run.status !== 0) return { bin: null, reason: `apt-get ${args[0]} failed (exit ${run.status})` };
  }
  const bin = findPostgresBin();
  return bin ? { bin } : { bin: null, reason: 'apt-get installed postgresql but its binaries were not found' };
}

/** The uid/gid to run the server as: initdb and postgres refuse to run as root. */
function serverUser() {
  if (process.getuid?.() !== 0) return {};
  const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * initdb + pg_ctl start in a new folder under `parent`. Answers {socketDir, connectionString, postmasterPid,
 * dir, stop()}; stop() is idempotent and also runs on process exit.
 */
export function startCluster({ bin, parent }) {
  const dir = resolve(mkdtempSync(join(parent, 'crm-bench-peer-pg-')));
  const user = serverUser();
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const run = (tool, args) => {
    const result = spawnSync(join(bin, tool), args, { ...user, cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
    return result.stdout;
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
  // The defaults already say fsync and synchronous_commit on; written out so the bench's durability is
  // explicit and no site-wide default can change it. The unix socket lives in our own folder.
  appendFileSync(
    join(data, 'postgresql.conf'),
    [
      '',
      '# crm bench peer',
      'fsync = on',
      'synchronous_commit = on',
      'full_page_writes = on',
      "listen_addresses = ''",
      `unix_socket_directories = '${dir}'`,
      'port = 5432',
      '',
    ].join('\n'),
  );
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  const postmasterPid = Number(run('pg_ctl', ['-D', data, 'status']).match(/PID: (\d+)/)?.[1]);
  let stopped = false;
  const stopNow = (mode) => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop'], { ...user, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  const onExit = () => stopNow('immediate');
  process.on('exit', onExit);
  return {
    dir,
    socketDir: dir,
    postmasterPid,
    connectionString: `postgresql://postgres@localhost:5432/postgres?host=${encodeURIComponent(dir)}`,
    stop: () => stopNow('fast'),
  };
}
