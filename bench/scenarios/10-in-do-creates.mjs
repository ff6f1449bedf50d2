// DESIGN §7: in-DO command execution ≥ 10k commands/s. Contact creates run through TenantLog.execute
// inside the object (decide, append with hash chain, fold, unique email), one RPC around the whole loop.
export default {
  name: 'in-DO creates',
  async run(ctx) {
    const tenant = ctx.tenant('in-do');
    const [rounds, perRound] = ctx.scale([5, 10_000], [2, 1_000]);
    await ctx.callDO(tenant, 'benchCreates', ctx.scale(2_000, 200), 'warm'); // JIT and SQLite pages
    const rates = [];
    for (let round = 0; round < rounds; round++) {
      const { ms, value } = await ctx.time(() => ctx.callDO(tenant, 'benchCreates', perRound, `r${round}`));
      if (value.ok !== perRound) throw new Error(`${value.failed} of ${perRound} creates failed (${value.firstError})`);
      rates.push(perRound / (ms / 1000));
    }
    ctx.report('in-DO creates', ctx.median(rates), 'commands/s', '>= 10000', `median of ${rounds} × ${perRound.toLocaleString('en-US')}; ${spread(rates)}`);
  },
};

const spread = (rates) => `${Math.round(Math.min(...rates)).toLocaleString('en-US')}–${Math.round(Math.max(...rates)).toLocaleString('en-US')}`;
