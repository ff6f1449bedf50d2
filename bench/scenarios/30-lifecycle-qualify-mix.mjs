// Issue 3: a qualify-heavy mix inside the Durable Object, beside plain creates measured in the same
// rounds. Per contact: create, qualify (before-hooks on the proposed state; the after-hook appends a
// Deal and an Activity caused by the Qualified event), assign. Commands/s counts the 3 client commands.
export default {
  name: 'lifecycle: qualify-heavy mix',
  async run(ctx) {
    const tenant = ctx.tenant('mix');
    const [rounds, contacts, creates] = ctx.scale([5, 2_000, 6_000], [2, 200, 600]);
    await ctx.callDO(tenant, 'benchQualifyMix', ctx.scale(300, 50), 'warm');
    let round = 0;
    const mix = async () => {
      const { ms, value } = await ctx.time(() => ctx.callDO(tenant, 'benchQualifyMix', contacts, `r${round++}`));
      if (value.failed) throw new Error(`${value.failed} of ${contacts * 3} commands failed (${value.firstError})`);
      if (value.hookEvents < contacts * 2)
        throw new Error(`the qualified hook wrote ${value.hookEvents} events for ${contacts} qualifies`);
      return value.ok / (ms / 1000);
    };
    const plain = async () => {
      const { ms, value } = await ctx.time(() => ctx.callDO(tenant, 'benchCreates', creates, `c${round++}`));
      if (value.ok !== creates) throw new Error(`${value.failed} creates failed (${value.firstError})`);
      return creates / (ms / 1000);
    };
    const rates = await ctx.interleave(rounds, { mix, plain });
    const spread = (rs) =>
      `${Math.round(Math.min(...rs)).toLocaleString('en-US')}–${Math.round(Math.max(...rs)).toLocaleString('en-US')}`;
    ctx.report(
      'in-DO creates (beside the mix)',
      ctx.median(rates.plain),
      'commands/s',
      undefined,
      `median of ${rounds} × ${creates.toLocaleString('en-US')}; ${spread(rates.plain)}`,
    );
    ctx.report(
      'in-DO qualify-heavy mix',
      ctx.median(rates.mix),
      'commands/s',
      '>= 10000', // issue 12's target is the mix's; the creates beside it are the same run's yardstick
      `create + qualify (+ hook: Deal, Activity) + assign; ` +
        `median of ${rounds} × ${contacts.toLocaleString('en-US')} contacts; ${spread(rates.mix)}`,
    );
  },
};
