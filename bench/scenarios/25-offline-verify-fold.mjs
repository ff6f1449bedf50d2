// DESIGN §7: offline verify ≥ 500k events/s, fold ≥ 1M events/s. The shared ChainVerifier (SHA-256 of every
// event's canonical data and envelope, Node's one-shot hash as the CLI uses) and fold (evolve over every event),
// in Node, over a synthetic chained log held in memory as objects (so the data is serialised again to be hashed;
// the export-file figure, which hashes the line's own text, is the replay scenario's).
import { build } from 'esbuild';

export default {
  name: 'offline verify and fold',
  async run(ctx) {
    const outfile = '.bench/offline.mjs';
    await build({
      entryPoints: ['bench/offline.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      logLevel: 'error',
    });
    const { syntheticLog, verifyChain, fold } = await import(`${process.cwd()}/${outfile}?${Date.now()}`);
    const [rounds, count] = ctx.scale([5, 200_000], [1, 20_000]);
    const events = syntheticLog(count);
    const rates = await ctx.interleave(rounds, {
      verify: async () => {
        const { ms, value } = await ctx.time(async () => verifyChain(events));
        if (value.reason || value.seq !== count)
          throw new Error(`the synthetic chain did not verify: ${JSON.stringify(value)}`);
        return count / (ms / 1000);
      },
      fold: async () => {
        const { ms, value } = await ctx.time(async () => fold(events));
        if (value.size !== Math.ceil(count / 4)) throw new Error(`fold gave ${value.size} entities`);
        return count / (ms / 1000);
      },
    });
    const how = `median of ${rounds} × ${count.toLocaleString('en-US')} events`;
    ctx.report('offline verify (hash chain)', ctx.median(rates.verify), 'events/s', '>= 500000', how);
    ctx.report('offline fold', ctx.median(rates.fold), 'events/s', '>= 1000000', how);
  },
};
