// What a request pays before workers/index.ts runs (issue 12: "a bare route 0.45 ms against 0.19 ms").
// With [assets] in wrangler.toml (the Scalar bundle behind GET /docs), Miniflare sends every request for
// the default entrypoint through its assets RPC proxy and router worker. The bench's socket addresses a named
// entrypoint (bench/worker.ts BenchDirect), which skips them, as the dev proxy is skipped; this measures both at
// one connection, rounds alternating: the bare route (no DO), the DO ping, and a read by id.
import { httpLoad } from '../lib/http-load.mjs';

export default {
  name: 'assets router hop',
  async run(ctx) {
    await measure(ctx, { via: ctx.routedUrl, direct: ctx.baseUrl });
  },
};

async function measure(ctx, bases) {
  const [rounds, roundMs] = ctx.scale([6, 1_000], [1, 300]);
  const tenant = ctx.tenant('hop');
  const auth = { authorization: `Bearer ${ctx.adminToken}` };
  const ids = {};
  for (const [side, base] of Object.entries(bases)) {
    const response = await fetch(`${base}/~${tenant}/contacts`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Hop Probe', email: `hop-${side}@example.com` }),
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
