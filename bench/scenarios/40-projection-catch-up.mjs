// DESIGN §7: projection catch-up ≥ 50k events/s (issue 12). A tenant's log is filled with Contact creates (in-DO,
// through execute), the read model is brought to the head, then rebuilt from seq 0: pulled from the
// TenantLog in pages, folded with evolve and written to its indexed tables, timed around one call.
export default {
  name: 'projection catch-up',
  async run(ctx) {
    const tenant = ctx.tenant('catch-up');
    const [events, chunk, rounds] = ctx.scale([50_000, 10_000, 3], [2_000, 1_000, 1]);
    for (let done = 0; done < events; done += chunk) {
      const filled = await ctx.callDO(tenant, 'benchCreates', chunk, `fill${done}`);
      if (filled.ok !== chunk) throw new Error(`${filled.failed} of ${chunk} creates failed (${filled.firstError})`);
    }
    const read = await ctx.api(`/~${tenant}/contacts?limit=1`, { method: 'GET' });
    if (read.status !== 200) throw new Error(`list answered ${read.status}`);
    const rates = [];
    for (let round = 0; round < rounds; round++) {
      const { ms, value } = await ctx.time(() => ctx.callObject('READ_MODEL', tenant, 'benchRebuild', tenant));
      if (value.checkpoint !== events) throw new Error(`rebuild reached seq ${value.checkpoint}, not ${events}`);
      rates.push(events / (ms / 1000));
    }
    ctx.report(
      'projection catch-up (rebuild from seq 0)',
      ctx.median(rates),
      'events/s',
      '>= 50000',
      `median of ${rounds} × ${events.toLocaleString('en-US')} Contact.Created; ` +
        `${rates.map((r) => Math.round(r).toLocaleString('en-US')).join(' ')}`,
    );
  },
};
