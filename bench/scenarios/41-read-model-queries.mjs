// DESIGN §7 in the read model: top 50 by lead score over 100k contacts < 5 ms; a 10,000-node reports
// subtree < 20 ms. 100k synthetic contacts (lead scores 0..100, five stages, the first 10k a tree under
// contact 0, ten reports each) are applied to a tenant's read model; each query runs `repeat` times
// inside the object around one call, so a figure is the query, not the HTTP hop.
export default {
  name: 'read-model queries',
  async run(ctx) {
    const tenant = ctx.tenant('queries');
    const [contacts, tree, chunk, repeat] = ctx.scale([100_000, 10_000, 20_000, 50], [5_000, 1_000, 5_000, 5]);
    const seeded = await ctx.time(async () => {
      for (let from = 0; from < contacts; from += chunk)
        await ctx.callObject('READ_MODEL', tenant, 'benchSeedContacts', from, chunk, tree);
    });
    ctx.report(
      'read-model apply (no pull)',
      contacts / (seeded.ms / 1000),
      'events/s',
      undefined,
      `${contacts.toLocaleString('en-US')} Contact.Created in transactions of ${chunk.toLocaleString('en-US')}`,
    );
    const perQuery = async (label, method, args, expectRows, target, note) => {
      await ctx.callObject('READ_MODEL', tenant, method, 2, ...args); // warm: JIT and pages
      const { ms, value } = await ctx.time(() => ctx.callObject('READ_MODEL', tenant, method, repeat, ...args));
      if (value !== expectRows) throw new Error(`${label}: ${value} rows, expected ${expectRows}`);
      ctx.report(
        label,
        ms / repeat,
        'ms',
        target,
        `${note}; mean of ${repeat} inside the object (one call's hop included, spread over them)`,
      );
    };
    const n = contacts.toLocaleString('en-US');
    await perQuery(`top 50 by lead score, ${n} contacts`, 'benchTopByScore', [], 50, '< 5', 'sort=-leadScore&limit=50');
    await perQuery(
      `top 50 by lead score among stage=Lead, ${n} contacts`,
      'benchTopByScore',
      ['Lead'],
      50,
      undefined,
      'stage=Lead&sort=-leadScore&limit=50',
    );
    await perQuery(
      `reports subtree of ${(tree - 1).toLocaleString('en-US')} nodes, first page`,
      'benchReports',
      [50],
      50,
      '< 20',
      'reports?depth=all&limit=50: the whole walk, one page read',
    );
    await perQuery(
      `reports subtree of ${(tree - 1).toLocaleString('en-US')} nodes, every row`,
      'benchReports',
      [tree - 1],
      tree - 1,
      undefined,
      `reports?depth=all&limit=${tree - 1}: the walk and every representation`,
    );
  },
};
