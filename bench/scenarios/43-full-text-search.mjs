// Full-text search (issue 11) over 100k contacts in the read model: the best 50 by FTS5 rank for a
// selective query (a few matches) and for a word every contact carries (rank all 100k, keep 50).
// Each figure is the median over calls of the per-query time inside the object (one hop spread over
// `repeat` queries).
export default {
  name: 'full-text search',
  async run(ctx) {
    const tenant = ctx.tenant('search');
    const [contacts, chunk, calls, repeat] = ctx.scale([100_000, 20_000, 15, 10], [5_000, 5_000, 3, 2]);
    for (let from = 0; from < contacts; from += chunk)
      await ctx.callObject('READ_MODEL', tenant, 'benchSeedContacts', from, chunk, 0);
    const n = contacts.toLocaleString('en-US');
    // Names are `Person {i}`: a word matches the contacts whose number starts with it.
    const expected = (prefix) =>
      Math.min(50, Array.from({ length: contacts }, (_, i) => String(i)).filter((s) => s.startsWith(prefix)).length);
    const measure = async (label, words, expectRows, note) => {
      await ctx.callObject('READ_MODEL', tenant, 'benchSearch', 2, words); // warm: JIT and pages
      const times = [];
      for (let i = 0; i < calls; i++) {
        const { ms, value } = await ctx.time(() => ctx.callObject('READ_MODEL', tenant, 'benchSearch', repeat, words));
        if (value !== expectRows) throw new Error(`${label}: ${value} rows, expected ${expectRows}`);
        times.push(ms / repeat);
      }
      ctx.report(
        label,
        ctx.median(times),
        'ms',
        undefined,
        `${note}; median of ${calls} calls × ${repeat} queries inside the object`,
      );
    };
    await measure(
      `search "4242" (prefix), ${n} contacts`,
      '4242',
      expected('4242'),
      'q=4242: names and emails with a word starting 4242',
    );
    await measure(
      `search "person" (every contact), ${n} contacts`,
      'person',
      50,
      'q=person: all match, ranked, best 50',
    );
    await measure(
      `search "person 77" (two words), ${n} contacts`,
      'person 77',
      expected('77'),
      'q=person 77: both words, prefixes',
    );
  },
};
