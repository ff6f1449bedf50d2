// What a request pays before workers/index.ts runs (issue 12: "a bare route 0.45 ms against 0.19 ms").
// With [assets] in wrangler.toml (the Scalar bundle behind GET /docs), Miniflare sends every request for
// the Worker through its assets RPC proxy and router worker, the bench's direct socket included. This
// starts the same bundle a second time without [assets] and measures both at one connection, rounds
// alternating: the bare route (no DO), the DO ping, and a read by id. docs/performance.md says more.
import { mkdtempSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { httpLoad } from '../lib/http-load.mjs';

const MODULE = '.bench/build/worker.js'; // what scripts/bench.mjs built and serves

export default {
  name: 'assets router hop',
  async run(ctx) {
    const stateDir = mkdtempSync(resolve(ctx.stateParent, 'assets-hop-'));
    const direct = await withoutAssets(ctx.adminToken, stateDir);
    try {
      await measure(ctx, { via: ctx.baseUrl, direct: direct.baseUrl });
    } finally {
      await direct.mf.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
};

async function withoutAssets(adminToken, stateDir) {
  const {
    modulesRules: _rules,
    assets: _assets,
    ...options
  } = unstable_getMiniflareWorkerOptions('wrangler.toml').workerOptions;
  const worker = {
    ...options,
    name: 'crm-bench-direct',
    modules: [{ type: 'ESModule', path: resolve(MODULE) }],
    bindings: { ...options.bindings, ADMIN_TOKEN: adminToken },
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
  };
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [worker],
      resourcePersistencePath: stateDir,
      cf: false,
      log: new Log(LogLevel.WARN),
    }),
  );
  await mf.ready;
  return { mf, baseUrl: (await mf.unsafeGetDirectURL('crm-bench-direct')).origin };
}

async function measure(ctx, bases) {
  const [rounds, roundMs] = ctx.scale([6, 1_000], [1, 300]);
  const tenant = ctx.tenant('hop');
  const auth = { authorization: `Bearer ${ctx.adminToken}` };
  const ids = {};
  for (const [side, base] of Object.entries(bases)) {
    const response = await fetch(`${base}/~${tenant}/contacts`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Hop Probe', email: 'hop@example.com' }),
    });
    if (response.status !== 201) throw new Error(`${side}: create answered ${response.status}`);
    ids[side] = (await response.json()).$id;
  }
  const paths = {
    'bare route': () => '/__bench/bare',
    'DO ping': () => `/__bench/ping/${tenant}`,
    'read by id': (side) => `/~${tenant}/contacts/${ids[side]}`,
  };
  for (const [label, path] of Object.entries(paths)) {
    const one = (side, ms) => async () => {
      const result = await httpLoad({
        url: `${bases[side]}${path(side)}`,
        headers: auth,
        connections: 1,
        maxRequests: 1_000_000,
        maxMs: ms,
      });
      if (result.statuses['200'] !== result.requests) throw new Error(`${side} ${label}: ${JSON.stringify(result)}`);
      return result;
    };
    await ctx.interleave(1, { via: one('via', 200), direct: one('direct', 200) }); // warm-up
    const runs = await ctx.interleave(rounds, { via: one('via', roundMs), direct: one('direct', roundMs) });
    const p50 = (side) => ctx.median(runs[side].map((r) => r.p50Ms));
    ctx.report(
      `${label}, 1 connection: p50 through the assets router / direct`,
      p50('via') - p50('direct'),
      'ms',
      undefined,
      `${p50('via').toFixed(2)} vs ${p50('direct').toFixed(2)} ms; median of ${rounds} × ${roundMs / 1000} s`,
    );
  }
}
