// DESIGN §7: the full HTTP path ≥ 50% of a bare Durable Object round trip, measured in the same run.
// Both go Node → Worker → TenantLog over loopback with the same connections; rounds alternate, so the
// shared machine's load falls on both alike, and the figure is the median of the per-round ratios.
// A bare Worker answer (no DO) shows the ceiling of loopback HTTP plus this Node load generator.
import { aBenchContact } from '../lib/context.mjs';

const CONNECTIONS = 32;

export default {
  name: 'HTTP creates vs DO ping',
  async run(ctx) {
    const tenant = ctx.tenant('http');
    const [rounds, roundMs] = ctx.scale([8, 2_000], [1, 1_000]); // short rounds: finer interleaving against drift
    const bare = (ms) =>
      expect(200, ctx.load({ path: '/__bench/bare', connections: CONNECTIONS, maxRequests: 400_000, maxMs: ms }));
    const ping = (ms) =>
      expect(
        200,
        ctx.load({ path: `/__bench/ping/${tenant}`, connections: CONNECTIONS, maxRequests: 200_000, maxMs: ms }),
      );
    const create = (ms) =>
      expect(201, ctx.createContacts({ tenant, contact: aBenchContact, connections: CONNECTIONS, maxMs: ms }));
    await ping(ctx.scale(1_500, 300)); // warm-up: JIT, sockets, the object's first wake
    await create(ctx.scale(1_500, 300));
    const runs = await ctx.interleave(rounds, {
      bare: () => bare(roundMs),
      ping: () => ping(roundMs),
      create: () => create(roundMs),
    });
    const ratios = runs.create.map((c, i) => c.perSecond / runs.ping[i].perSecond);
    const how = (rs) =>
      `median of ${rounds} × ${roundMs / 1000} s, ${CONNECTIONS} connections; ` +
      `p50 ${ctx.median(rs.map((r) => r.p50Ms)).toFixed(1)} ms`;
    ctx.report(
      'bare Worker, no DO (load ceiling)',
      ctx.median(runs.bare.map((r) => r.perSecond)),
      'req/s',
      undefined,
      how(runs.bare),
    );
    ctx.report(
      'bare DO round trip (ping)',
      ctx.median(runs.ping.map((r) => r.perSecond)),
      'req/s',
      undefined,
      how(runs.ping),
    );
    ctx.report('HTTP creates', ctx.median(runs.create.map((r) => r.perSecond)), 'req/s', undefined, how(runs.create));
    ctx.report(
      'HTTP creates / DO round trip',
      ctx.median(ratios),
      'ratio',
      '>= 0.5',
      `median of ${rounds} rounds: ${ratios.map((r) => r.toFixed(2)).join(' ')}`,
    );
  },
};

/** A load whose answers were not all `status` measured something else: fail the scenario loudly. */
async function expect(status, loading) {
  const result = await loading;
  const other = Object.entries(result.statuses).filter(([s]) => Number(s) !== status);
  if (other.length) throw new Error(`expected only ${status}, got ${JSON.stringify(result.statuses)}`);
  return result;
}
