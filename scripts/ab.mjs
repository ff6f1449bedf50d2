// `A=<bundle> B=<bundle> npx node scripts/ab.mjs`: two builds of the bench Worker side by side, for a
// before/after figure on a shared machine. Build each with
//   npx node -e "import('./bench/lib/build.mjs').then((m) => m.buildBenchWorker('.bench/build-x'))"
// (from a checkout of each commit), then pass A=.bench/build-x/worker.js B=…. Both run at once in their own
// workerd, and each case runs in alternating rounds (A, B, A, B, …) with the bench's load generator; the
// figure is the median of the per-round ratios B/A, so the machine's drift falls on both alike.
// CASES=create1,create32,read1,read32,ping1,bare1 (kind + connections), ROUNDS=5, MS=1000 per round.
import { mkdtempSync, rmSync } from 'node:fs';
import { aBenchContact } from '../bench/lib/context.mjs';
import { httpLoad } from '../bench/lib/http-load.mjs';
import { BENCH_ADMIN_TOKEN, startRuntime } from '../bench/lib/runtime.mjs';
import { median } from '../bench/lib/timing.mjs';

const auth = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };
const ms = Number(process.env.MS ?? 1000);
const rounds = Number(process.env.ROUNDS ?? 5);
const cases = (process.env.CASES ?? 'create1,create32,read1,read32').split(',');
if (!process.env.A || !process.env.B) throw new Error('set A and B to two bundles (see the top of this file)');

const sides = {};
for (const name of ['A', 'B']) {
  const stateDir = mkdtempSync(`.bench/ab-${name}-`);
  const runtime = await startRuntime({ modulePath: process.env[name], stateDir });
  const tenant = `ab-${process.pid}`;
  const base = runtime.baseUrl;
  const body = JSON.stringify({ name: 'Read Me', email: 'readme@example.com' });
  const created = await fetch(`${base}/~${tenant}/contacts`, { method: 'POST', headers: json, body });
  sides[name] = { runtime, stateDir, base, tenant, id: (await created.json()).$id };
}

let n = 0;
function load(side, kase) {
  const kind = kase.replace(/\d+$/, '');
  const connections = Number(kase.slice(kind.length));
  const common = { connections, maxRequests: 1_000_000, maxMs: ms };
  const at = (path) => `${side.base}${path}`;
  if (kind === 'create') {
    const body = () => JSON.stringify(aBenchContact(++n));
    return httpLoad({ url: at(`/~${side.tenant}/contacts`), method: 'POST', headers: json, body, ...common });
  }
  if (kind === 'read') return httpLoad({ url: at(`/~${side.tenant}/contacts/${side.id}`), headers: auth, ...common });
  if (kind === 'ping') return httpLoad({ url: at(`/__bench/ping/${side.tenant}`), ...common });
  if (kind === 'bare') return httpLoad({ url: at('/__bench/bare'), ...common });
  throw new Error(`unknown case ${kase}`);
}

const fmt = (runs) =>
  `${Math.round(median(runs.map((r) => r.perSecond)))}/s p50 ${median(runs.map((r) => r.p50Ms)).toFixed(2)} ms`;
for (const kase of cases) {
  for (const side of Object.values(sides)) await load(side, kase); // warm-up
  const runs = { A: [], B: [] };
  for (let i = 0; i < rounds; i++) for (const name of ['A', 'B']) runs[name].push(await load(sides[name], kase));
  const ratio = median(runs.B.map((r, i) => r.perSecond / runs.A[i].perSecond));
  console.log(`${kase.padEnd(9)} A ${fmt(runs.A)} | B ${fmt(runs.B)} | B/A ${ratio.toFixed(2)} (req/s)`);
}
for (const side of Object.values(sides)) {
  await side.runtime.mf.dispose();
  rmSync(side.stateDir, { recursive: true, force: true });
}
