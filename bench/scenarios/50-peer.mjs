// DESIGN §7 / issue 12: this project against a peer in the same run — Emmett on PostgreSQL (bench/peer/),
// the same create and read-by-id contract, the same durability (answers after a durable commit: fsync and
// synchronous_commit on), the same load generator on the same loopback. Runs only with --peer.
// Each case alternates rounds (ours, peer, ours, peer, …) so the shared machine's drift falls on both;
// a figure is the median of the per-round ratios ours / peer. Server CPU per request is read from /proc
// around each round (ours: workerd; peer: its node process plus the whole PostgreSQL cluster), counting
// the background work a round leaves behind (projection catch-up, outbox) until the server is idle again.
import { readFileSync } from 'node:fs';
import { canMeasureCpu, cpuMs, descendantsNamed } from '../lib/cpu.mjs';
import { httpLoad } from '../lib/http-load.mjs';
import { startPeer } from '../lib/peer.mjs';

const CASES = [
  { kind: 'create', connections: 32, label: 'creates, 32 connections', target: '>= 3', cpu: true },
  { kind: 'create', connections: 1, label: 'creates, 1 connection', target: '>= 1' },
  { kind: 'read', connections: 32, label: 'read by id, 32 connections', target: '>= 1', cpu: true },
  { kind: 'read', connections: 1, label: 'read by id, 1 connection', target: '>= 1' },
  { kind: 'bare', connections: 1, label: 'bare route (no storage), 1 connection' },
];

export default {
  name: 'vs peer: Emmett on PostgreSQL',
  peer: true,
  async run(ctx) {
    const peer = await startPeer({ parent: ctx.stateParent, token: ctx.adminToken, log: ctx.log });
    if ('skipped' in peer) {
      console.error(`bench --peer: the peer comparison is skipped: ${peer.skipped}`);
      return;
    }
    try {
      await compare(ctx, peer);
    } finally {
      await peer.stop();
    }
  },
};

async function compare(ctx, peer) {
  const { fsync, synchronous_commit: syncCommit, version } = peer.settings;
  if (fsync !== 'on' || syncCommit !== 'on')
    throw new Error(`the peer's PostgreSQL is not durable: fsync=${fsync}, synchronous_commit=${syncCommit}`);
  const emmettPackage = new URL(
    '../peer/node_modules/@event-driven-io/emmett-postgresql/package.json',
    import.meta.url,
  );
  const emmett = JSON.parse(readFileSync(emmettPackage, 'utf8')).version;
  ctx.log(`peer: Emmett ${emmett} on ${version.split(' on ')[0]}, fsync=${fsync}, synchronous_commit=${syncCommit}`);

  const [rounds, roundMs, warmMs, seeds] = ctx.scale([5, 2_000, 1_000, 256], [1, 400, 200, 32]);
  const tenant = ctx.tenant('peer');
  const auth = { authorization: `Bearer ${ctx.adminToken}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const cpuOk = canMeasureCpu();
  const sides = {
    ours: { base: ctx.baseUrl, parts: { workerd: () => descendantsNamed('workerd') } },
    peer: { base: peer.baseUrl, parts: { node: () => [peer.pid], postgres: () => [peer.postmasterPid] } },
  };
  const ids = { ours: [], peer: [] };
  let n = 0;
  const newContact = (side) =>
    JSON.stringify({ name: `Peer Bench ${++n}`, email: `${side}-${n}@example.com`, stage: 'Lead' });
  const specs = {
    create: (side) => ({
      url: `${sides[side].base}/~${tenant}/contacts`,
      method: 'POST',
      headers: json,
      body: () => newContact(side),
      status: 201,
    }),
    read: (side) => ({
      url: (i) => `${sides[side].base}/~${tenant}/contacts/${ids[side][i % ids[side].length]}`,
      headers: auth,
      status: 200,
    }),
    bare: (side) => ({ url: `${sides[side].base}/__bench/bare`, status: 200 }),
  };

  const cpuOf = (side) =>
    Object.fromEntries(Object.entries(sides[side].parts).map(([part, roots]) => [part, cpuOk ? cpuMs(roots) : NaN]));
  const measure = async (side, kind, connections, ms) => {
    const { status, ...spec } = specs[kind](side);
    await settle(side);
    const before = cpuOf(side);
    const result = await httpLoad({ ...spec, connections, maxRequests: 1_000_000, maxMs: ms });
    await settle(side); // the work a round leaves behind is its own
    const after = cpuOf(side);
    const other = Object.entries(result.statuses).filter(([s]) => Number(s) !== status);
    if (other.length)
      throw new Error(`${side} ${kind}: expected only ${status}, got ${JSON.stringify(result.statuses)}`);
    const cpu = Object.fromEntries(
      Object.keys(before).map((part) => [part, (after[part] - before[part]) / result.requests]),
    );
    return { ...result, cpu, cpuTotal: Object.values(cpu).reduce((a, b) => a + b, 0) };
  };
  // Waits (≤ 2 s) until the side's server has used at most one clock tick in each of two 100 ms windows.
  const settle = async (side) => {
    if (!cpuOk) return;
    const total = () => Object.values(cpuOf(side)).reduce((a, b) => a + b, 0);
    for (let quiet = 0, waited = 0, last = total(); quiet < 2 && waited < 2_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = total();
      quiet = now - last <= 10 ? quiet + 1 : 0;
      last = now;
    }
  };

  for (const side of ['ours', 'peer']) await seed(side, specs.create(side), seeds, ids[side]);
  for (const side of ['ours', 'peer']) {
    await measure(side, 'create', 32, warmMs); // warm-up: JIT, sockets, pools, the object's first wake
    await measure(side, 'read', 32, warmMs);
  }

  const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 10 ? 1 : 2));
  for (const c of CASES) {
    const runs = await ctx.interleave(rounds, {
      ours: () => measure('ours', c.kind, c.connections, roundMs),
      peer: () => measure('peer', c.kind, c.connections, roundMs),
    });
    const med = (side, pick) => ctx.median(runs[side].map(pick));
    const ratios = runs.ours.map((r, i) => r.perSecond / runs.peer[i].perSecond);
    const side = (s) => `${s} ${fmt(med(s, (r) => r.perSecond))} req/s, p50 ${med(s, (r) => r.p50Ms).toFixed(2)} ms`;
    ctx.report(
      `vs peer: ${c.label} (ours / peer req/s)`,
      ctx.median(ratios),
      'ratio',
      c.target,
      `${side('ours')} | ${side('peer')} | rounds of ${roundMs / 1000} s: ${ratios.map((r) => r.toFixed(2)).join(' ')}`,
    );
    if (!c.cpu || !cpuOk) continue;
    const cpuNote = (s) => `${s} ${med(s, (r) => r.cpuTotal).toFixed(2)} ms (${parts(s)})`;
    const parts = (s) =>
      Object.keys(runs[s][0].cpu)
        .map((part) => `${part} ${med(s, (r) => r.cpu[part]).toFixed(2)}`)
        .join(' + ');
    ctx.report(
      `vs peer: server CPU per ${c.kind}, ${c.connections} connections (peer / ours)`,
      med('peer', (r) => r.cpuTotal) / med('ours', (r) => r.cpuTotal),
      'ratio',
      undefined,
      `${cpuNote('ours')}; ${cpuNote('peer')}; /proc, median of rounds`,
    );
  }
}

/** Creates `count` contacts on one side (8 at a time) and keeps their ids for the reads. */
async function seed(side, spec, count, into) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const response = await fetch(spec.url, { method: 'POST', headers: spec.headers, body: spec.body() });
      if (response.status !== 201) throw new Error(`${side} seed: ${response.status} ${await response.text()}`);
      into.push(response.headers.get('location').split('/').pop());
      await response.arrayBuffer().catch(() => {});
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
