// DESIGN §7 / issue 12: in-DO command execution ≥ 25k commands/s. Contact creates run through TenantLog.execute
// inside the object (decide, append with hash chain, fold, unique email), one RPC around the whole loop.
// Beside it, the same creates each waiting for its own SQLite commit, as one create per request does.
export default {
  name: 'in-DO creates',
  async run(ctx) {
    const tenant = ctx.tenant('in-do');
    const [rounds, batched, committed] = ctx.scale([5, 10_000, 1_500], [2, 1_000, 300]);
    await ctx.callDO(tenant, 'benchCreates', ctx.scale(2_000, 200), 'warm'); // JIT and SQLite pages
    let round = 0;
    const creates = (count, commitEach) => async () => {
      const { ms, value } = await ctx.time(() => ctx.callDO(tenant, 'benchCreates', count, `r${round++}`, commitEach));
      if (value.ok !== count) throw new Error(`${value.failed} of ${count} creates failed (${value.firstError})`);
      return count / (ms / 1000);
    };
    const rates = await ctx.interleave(rounds, {
      batched: creates(batched, false),
      committed: creates(committed, true),
    });
    const how = (count, rs) => `median of ${rounds} × ${count.toLocaleString('en-US')}; ${spread(rs)}`;
    ctx.report('in-DO creates', ctx.median(rates.batched), 'commands/s', '>= 25000', how(batched, rates.batched));
    ctx.report(
      'in-DO creates, one commit each',
      ctx.median(rates.committed),
      'commands/s',
      undefined,
      how(committed, rates.committed),
    );
  },
};

const spread = (rates) =>
  `${Math.round(Math.min(...rates)).toLocaleString('en-US')}–` +
  `${Math.round(Math.max(...rates)).toLocaleString('en-US')}`;
