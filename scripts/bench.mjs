// `npm run bench [-- --quick --only <text> --state-in <dir> --keep-state --peer]`: DESIGN §7 budgets, measured
// on the local runtime. Timing lives here and only here: tests never time anything.
//
// What runs: bench/worker.ts (the real Worker + DOs from workers/index.ts, plus bench-only routes under
// /__bench/ and DO subclasses with `bench*` loop methods), bundled by `wrangler deploy --dry-run`,
// served by workerd through the Miniflare API with wrangler.toml's bindings, ADMIN_TOKEN, and DO
// SQLite in a fresh .bench/crm-bench-state-* dir (removed afterwards), on a direct loopback socket (no
// wrangler dev / Miniflare entry proxy in front). Results: one table on stdout, .bench/results.json.
// The machine is shared and noisy: compare figures measured side by side in one run (ratios, and
// rounds interleaved with `ctx.interleave`), not absolute numbers across runs.
//
// ADDING A SCENARIO
//   1. Create bench/scenarios/NN-some-name.mjs; files run in name order. Ranges: 10–29 foundation
//      (issue 2), 30–39 lifecycle (issue 3), 40–49 projections (issue 4), so branches don't collide.
//   2. `export default { name: 'some name', async run(ctx) { … } }`, one job per file. Scenarios share
//      one workerd and run one after another: work on your own ctx.tenant()s. ctx gives:
//        ctx.quick, ctx.scale(full, smoke)   sizes: keep a scenario under ~30 s in a full run, ~2 s with --quick
//        ctx.tenant(prefix)                  a fresh tenant name (its own TenantLog)
//        ctx.api(path, {method, body})       the public API as the admin: {status, body, headers}; setup only
//        ctx.load({path, method, admin, headers, body: i => string, connections, maxRequests, maxMs})
//                                            closed-loop HTTP load:
//                                            {requests, seconds, perSecond, statuses, p50Ms, p99Ms}
//        ctx.callDO(tenant, 'benchX', ...args)  a `bench*` method of that tenant's TenantLog, via one HTTP+RPC hop
//        ctx.callObject(BINDING, name, 'benchX', ...args)  the same for another DO binding
//        ctx.time(fn) → {ms, value}; ctx.interleave(rounds, {a: fn, b: fn}) → {a: [...], b: [...]}; ctx.median(xs)
//        ctx.report(label, value, unit, target?, note?)   one table row; target like '>= 10000' or '< 5'
//        ctx.log(...)                        progress on stderr; ctx.mf, ctx.baseUrl for anything else
//        ctx.routedUrl                       the same Worker through Miniflare's assets router (scenario 21 only)
//        ctx.stateParent                     the folder temp state goes in (--state-in, default .bench)
//      A scenario exporting `peer: true` runs only with --peer (bench/peer/, Emmett on PostgreSQL).
//   3. A loop that must run inside a Durable Object (no HTTP/RPC per operation) is a `bench*` method on
//      bench/bench-tenant-log.ts (or a new bench subclass of another DO, exported from bench/worker.ts
//      under the real class name); time it from here around one ctx.callDO (Date.now() in workerd only
//      moves at I/O). Check the answers (statuses, ok counts): throw when the bench itself is broken.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { buildBenchWorker } from '../bench/lib/build.mjs';
import { makeContext } from '../bench/lib/context.mjs';
import { Report } from '../bench/lib/report.mjs';
import { BENCH_ADMIN_TOKEN, startRuntime } from '../bench/lib/runtime.mjs';

if (Number(process.versions.node.split('.')[0]) < 22) {
  console.error(
    `node ${process.version} is too old for wrangler and Miniflare: run \`npm run bench\` (node 24 from node_modules)`,
  );
  process.exit(1);
}
process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..'));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const keepState = argv.includes('--keep-state');
const peer = argv.includes('--peer'); // also runs the scenarios against bench/peer/ (Emmett on PostgreSQL)
const option = (name) => (argv.includes(name) ? (argv[argv.indexOf(name) + 1] ?? '') : '');
const only = option('--only');
// The DO's SQLite lives on the work tree's disk by default; `--state-in /dev/shm` takes the shared
// disk's fsync latency (other people's builds) out of the figures.
const stateParent = option('--state-in') || '.bench';

mkdirSync('.bench', { recursive: true });
const stateDir = mkdtempSync(join(stateParent, 'crm-bench-state-'));
const report = new Report();
const startedAt = new Date().toISOString();
const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
let runtime;

process.on('exit', () => keepState || rmSync(stateDir, { recursive: true, force: true }));
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
for (const signal of SIGNALS) process.on(signal, () => process.exit(130));

// Miniflare's own signal listeners exit before workerd is reaped (a zombie where init does not reap);
// these wait for it. A second signal exits at once; Miniflare's exit hook still kills workerd then.
function waitForWorkerdOnSignals() {
  let stopping = false;
  for (const signal of SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (stopping) process.exit(130);
      stopping = true;
      runtime?.mf.dispose().finally(() => process.exit(130));
    });
  }
}

async function scenarios() {
  const files = readdirSync('bench/scenarios')
    .filter((f) => f.endsWith('.mjs'))
    .sort();
  const loaded = await Promise.all(
    files.map(async (f) => ({ file: f, ...(await import(pathToFileURL(join('bench/scenarios', f)).href)).default })),
  );
  return loaded.filter((s) => (peer || !s.peer) && (!only || s.file.includes(only) || s.name.includes(only)));
}

// Which code is measured: the commit, and whether the work tree held uncommitted changes.
const git = (...args) => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};
const commit = git('rev-parse', '--short', 'HEAD');
const dirty = Boolean(git('status', '--porcelain', '--untracked-files=no'));

try {
  const flags = `${quick ? ' (--quick)' : ''}${peer ? ' (--peer)' : ''}`;
  console.error(`bench${flags}: building bench/worker.ts, starting workerd`);
  runtime = await startRuntime({ modulePath: buildBenchWorker('.bench/build'), stateDir });
  waitForWorkerdOnSignals();
  for (const scenario of await scenarios()) {
    const ctx = makeContext({
      ...runtime,
      adminToken: BENCH_ADMIN_TOKEN,
      quick,
      report,
      scenario: scenario.name,
      stateParent,
    });
    const started = performance.now();
    try {
      await scenario.run(ctx);
    } catch (error) {
      report.fail(scenario.name, error);
    }
    console.error(`- ${scenario.name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
} catch (error) {
  report.fail('setup', error);
} finally {
  await runtime?.mf.dispose(); // waits for workerd to exit
}

report.print();
const machine = {
  cpus: cpus().length,
  loadAtStart,
  loadAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
  node: process.version,
};
console.log(
  `\nCode at ${commit ?? '?'}${dirty ? ' plus uncommitted changes' : ''}; DO state in ${stateParent}. ` +
    `${machine.cpus} CPUs, load average ${loadAtStart[0]} at start, ${machine.loadAtEnd[0]} at end: ` +
    'a shared machine, so read the ratios, not absolute figures. JSON: .bench/results.json',
);
report.write('.bench/results.json', {
  startedAt,
  finishedAt: new Date().toISOString(),
  quick,
  commit,
  dirty,
  stateIn: stateParent,
  machine,
});
process.exitCode = report.errors.length ? 1 : 0;
