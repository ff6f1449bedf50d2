// Issue 3: importing 100,000 contacts through POST /~t/batch (atomic batches of 1,000, one after
// another, as an import tool would). For scale: a popular open-source CRM documents ~6,000 records
// a minute through its API.
export default {
  name: 'lifecycle: import through batches',
  async run(ctx) {
    const tenant = ctx.tenant('import');
    const [total, size] = ctx.scale([100_000, 1_000], [5_000, 1_000]);
    const batches = Array.from({ length: total / size }, (_, b) =>
      Array.from({ length: size }, (_, i) => {
        const n = b * size + i;
        return {
          type: 'Contact',
          verb: 'create',
          data: {
            name: `Imported ${n}`,
            email: `import-${n}@company${n % 97}.example`,
            title: n % 3 ? 'Engineer' : 'Director',
            stage: 'Lead',
            source: 'import',
          },
        };
      }),
    );
    const { ms } = await ctx.time(async () => {
      for (const [b, operations] of batches.entries()) {
        const answer = await ctx.api(`/~${tenant}/batch`, { body: { atomic: true, operations } });
        if (answer.status !== 200)
          throw new Error(`batch ${b} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
        if (b % 20 === 19) ctx.log(`${((b + 1) * size).toLocaleString('en-US')} imported`);
      }
    });
    const head = Number((await ctx.api(`/~${tenant}/events?limit=1`)).headers.get('x-event-seq'));
    if (head !== total) throw new Error(`expected ${total} events after the import, the log is at ${head}`);
    ctx.report(
      `import ${total.toLocaleString('en-US')} contacts`,
      ms / 1000,
      's',
      undefined,
      `atomic batches of ${size.toLocaleString('en-US')} over HTTP, sequential`,
    );
    ctx.report('import rate', total / (ms / 60_000), 'records/min', '>= 6000', 'the open-source CRM figure for scale');
  },
};
