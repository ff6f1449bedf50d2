// Issue 10: offline verify of an export file with the CLI's own code (cli/offline.ts: the shared
// ChainVerifier, then evolve for every event), over a synthetic 1,000,000-event chained export: in one
// thread, and with worker threads checking byte ranges (cli/parallel-verify.ts).
// DESIGN §7 target: offline verify >= 500,000 events/s.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export default {
  name: 'replay: offline verify of an export',
  async run(ctx) {
    const outfile = '.bench/replay-offline.mjs';
    await build({
      entryPoints: ['bench/replay-offline.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      logLevel: 'error',
    });
    const { writeSyntheticExport, readExport } = await import(`${process.cwd()}/${outfile}?${Date.now()}`);
    const [rounds, count] = ctx.scale([3, 1_000_000], [1, 20_000]);
    const file = `.bench/synthetic-${count}.ndjson`;
    const head = await writeSyntheticExport(file, count);
    const check = (outcome) => {
      if (!outcome.ok || outcome.events !== count || outcome.head.hash !== head)
        throw new Error(`the synthetic export did not verify: ${JSON.stringify(outcome)}`);
    };
    const threads = Math.min(availableParallelism(), 4);
    const rates = await ctx.interleave(rounds, {
      verify: async () => {
        const { ms, value } = await ctx.time(() => readExport(file, { fold: false }));
        check(value);
        return count / (ms / 1000);
      },
      verifyThreads: async () => {
        const { ms, value } = await ctx.time(() => readExport(file, { fold: false, threads }));
        check(value);
        return count / (ms / 1000);
      },
      verifyAndFold: async () => {
        const { ms, value } = await ctx.time(() => readExport(file));
        check(value);
        return count / (ms / 1000);
      },
    });
    rmSync(file, { force: true });
    const how = `median of ${rounds} × ${count.toLocaleString('en-US')} events read from an NDJSON file`;
    ctx.report('offline verify of an export (chain)', ctx.median(rates.verify), 'events/s', '>= 500000', how);
    ctx.report(
      `offline verify of an export (chain, ${threads} worker threads)`,
      ctx.median(rates.verifyThreads),
      'events/s',
      '>= 500000',
      how,
    );
    ctx.report('crm verify (chain + fold)', ctx.median(rates.verifyAndFold), 'events/s', undefined, how);
  },
};
