// Issue 3: a 1,000-operation atomic batch (creates and captures, one transaction), inside the Durable
// Object and over HTTP (POST /~t/batch), as operations per second.
export default {
  name: 'lifecycle: 1,000-op atomic batch',
  async run(ctx) {
    const tenant = ctx.tenant('batch');
    const [rounds, size] = ctx.scale([5, 1_000], [2, 1_000]);
    await ctx.callDO(tenant, 'benchAtomicBatch', size, 'warm');
    let round = 0;
    const inDo = async () => {
      const { ms, value } = await ctx.time(() => ctx.callDO(tenant, 'benchAtomicBatch', size, `d${round++}`));
      if (value.ok !== size) throw new Error(`batch failed: ${value.firstError}`);
      return size / (ms / 1000);
    };
    const overHttp = async () => {
      const tag = `h${round++}`;
      const operations = Array.from({ length: size }, (_, i) => ({
        type: 'Contact',
        verb: 'create',
        data: { name: `Http ${tag} ${i}`, email: `http-${tag}-${i}@startup.io`, title: 'VP Sales', stage: 'Lead' },
      }));
      const { ms, value } = await ctx.time(() => ctx.api(`/~${tenant}/batch`, { body: { atomic: true, operations } }));
      if (value.status !== 200)
        throw new Error(`batch answered ${value.status}: ${JSON.stringify(value.body).slice(0, 300)}`);
      return size / (ms / 1000);
    };
    const rates = await ctx.interleave(rounds, { inDo, overHttp });
    ctx.report(
      'atomic batch of 1,000, in-DO',
      ctx.median(rates.inDo),
      'ops/s',
      undefined,
      `3 creates : 1 capture; median of ${rounds}`,
    );
    ctx.report(
      'atomic batch of 1,000, HTTP',
      ctx.median(rates.overHttp),
      'ops/s',
      undefined,
      `POST /~t/batch, creates; median of ${rounds}`,
    );
  },
};
