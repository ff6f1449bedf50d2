// `npx node scripts/profile.mjs [http|read|indo|catchup]`: a V8 CPU profile of the Worker's isolate (edge,
// TenantLog and ReadModel share it) under 6 s of HTTP creates or reads by id (32 connections), 5 × 10,000 in-DO
// creates, or 3 rebuilds of the read model from seq 0 over 50,000 Contact creates (catchup), through
// workerd's inspector. Writes .bench/<mode>.cpuprofile (open in Chrome DevTools) and prints the top
// functions by self and inclusive samples. Self time of a function that calls sql.exec includes much of
// the statement's cost. Not a benchmark: the profiler slows everything down.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { buildBenchWorker } from '../bench/lib/build.mjs';
import { aBenchContact, makeContext } from '../bench/lib/context.mjs';
import { BENCH_ADMIN_TOKEN, startRuntime } from '../bench/lib/runtime.mjs';
import { httpLoad } from '../bench/lib/http-load.mjs';
import { Report } from '../bench/lib/report.mjs';
const mode = process.argv[2] ?? 'http';
const modulePath = buildBenchWorker('.bench/build');
mkdirSync('.bench', { recursive: true });
const stateDir = mkdtempSync('.bench/profile-state-');
// PROFILE_PORT: another inspector port, when a second profile runs on the same machine.
const inspectorPort = Number(process.env.PROFILE_PORT ?? 9339);
const { mf, baseUrl } = await startRuntime({ modulePath, stateDir, inspectorPort });
const ctx = makeContext({
  mf,
  baseUrl,
  adminToken: BENCH_ADMIN_TOKEN,
  quick: false,
  report: new Report(),
  scenario: 'prof',
});
const list = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json();
const target = list.find((t) => t.title?.includes('crm-bench')) ?? list[0];
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((r) => ws.addEventListener('open', r));
let id = 0;
const waiting = new Map();
ws.addEventListener('message', (m) => {
  const d = JSON.parse(m.data);
  if (d.id && waiting.has(d.id)) {
    waiting.get(d.id)(d);
    waiting.delete(d.id);
  }
});
const send = (method, params = {}) =>
  new Promise((r) => {
    const i = ++id;
    waiting.set(i, r);
    ws.send(JSON.stringify({ id: i, method, params }));
  });
const tenant = ctx.tenant('prof');
const create = (ms) => ctx.createContacts({ tenant, contact: aBenchContact, connections: 32, maxMs: ms });
const indo = async () => {
  for (let i = 0; i < 5; i++) await ctx.callDO(tenant, 'benchCreates', 10000, `r${i}`, false);
};
const catchup = async () => {
  for (let i = 0; i < 3; i++) await ctx.callObject('READ_MODEL', tenant, 'benchRebuild', tenant);
};
// read: GETs of one contact by id (32 connections), the read path from the edge to the log and back.
const readOne = async (ms) => {
  const id = read.id ?? (read.id = (await ctx.api(`/~${tenant}/contacts`, { body: aBenchContact(0) })).body.$id);
  const url = `${baseUrl}/~${tenant}/contacts/${id}`;
  const headers = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` };
  return httpLoad({ url, headers, connections: 32, maxRequests: 1_000_000, maxMs: ms });
};
const read = {};
if (mode === 'http') await create(1500);
else if (mode === 'read') await readOne(1500);
else if (mode === 'catchup') {
  for (let i = 0; i < 5; i++) await ctx.callDO(tenant, 'benchCreates', 10000, `fill${i}`);
  await ctx.api(`/~${tenant}/contacts?limit=1`, { method: 'GET' });
} else await ctx.callDO(tenant, 'benchCreates', 2000, 'warm');
await send('Profiler.enable');
await send('Profiler.setSamplingInterval', { interval: 200 });
await send('Profiler.start');
const t0 = Date.now();
const runs = { http: () => create(6000), read: () => readOne(6000), catchup, indo };
const res = await (runs[mode] ?? indo)();
console.error(
  `${mode}: ${Date.now() - t0} ms${res ? `, ${Math.round(res.perSecond)} requests/s` : ''} under the profiler`,
);
const { result } = await send('Profiler.stop');
writeFileSync(`.bench/${mode}.cpuprofile`, JSON.stringify(result.profile));
ws.close();
await mf.dispose();
rmSync(stateDir, { recursive: true, force: true });
summarize(result.profile);

/** Top functions by self and by inclusive share of samples (bundle line numbers: .bench/build/worker.js). */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map(profile.nodes.flatMap((n) => (n.children ?? []).map((c) => [c, n.id])));
  const name = (n) =>
    `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
  const hits = new Map();
  for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  const self = new Map();
  const inclusive = new Map();
  for (const [id, count] of hits) {
    self.set(name(byId.get(id)), (self.get(name(byId.get(id))) ?? 0) + count);
    const seen = new Set(); // recursion counts once
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const key = name(byId.get(at));
      if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + count);
      seen.add(key);
    }
  }
  const top = (m, k) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([n, c]) => `${((100 * c) / profile.samples.length).toFixed(1).padStart(5)}% ${n}`)
      .join('\n');
  console.log(`SELF\n${top(self, 35)}\n\nINCLUSIVE\n${top(inclusive, 60)}`);
}
