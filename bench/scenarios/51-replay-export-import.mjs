// Issue 10: GET /~t/export (streamed in pages from the TenantLog) and POST /~t/import (streamed, verified,
// folded and staged, then committed) over HTTP on the local runtime, events/s each.
export default {
  name: 'replay: export and import over HTTP',
  async run(ctx) {
    const contacts = ctx.scale(100_000, 2_000);
    const source = ctx.tenant('export');
    for (let done = 0; done < contacts; done += 1_000) {
      const operations = Array.from({ length: Math.min(1_000, contacts - done) }, (_, i) => ({
        type: 'Contact',
        verb: 'create',
        data: { name: `Person ${done + i}`, email: `p${done + i}@example.com`, stage: 'Lead' },
      }));
      const answer = await ctx.api(`/~${source}/batch`, { body: { operations, atomic: true } });
      if (answer.status !== 200) throw new Error(`seeding: ${answer.status}`);
    }
    const auth = { authorization: `Bearer ${ctx.adminToken}` };
    const exported = await ctx.time(async () =>
      (await fetch(`${ctx.baseUrl}/~${source}/export`, { headers: auth })).text(),
    );
    const events = exported.value.split('\n').filter(Boolean).length;
    if (events < contacts) throw new Error(`exported ${events} events for ${contacts} contacts`);
    const target = ctx.tenant('import');
    const imported = await ctx.time(async () => {
      const answer = await fetch(`${ctx.baseUrl}/~${target}/import`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/x-ndjson' },
        body: exported.value,
      });
      if (answer.status !== 200) throw new Error(`import: ${answer.status} ${await answer.text()}`);
      return answer.json();
    });
    if (imported.value.imported !== events) throw new Error(`imported ${imported.value.imported} of ${events}`);
    const how = `${events.toLocaleString('en-US')} events (${contacts.toLocaleString('en-US')} contacts), one run`;
    ctx.report('export over HTTP (streamed)', events / (exported.ms / 1000), 'events/s', undefined, how);
    ctx.report('import over HTTP (verify + fold + commit)', events / (imported.ms / 1000), 'events/s', undefined, how);
  },
};
