// Projection lag under a steady write load: HTTP creates at a fixed concurrency while the projection
// status (which never pulls by itself) is sampled; only the outbox → crm-events queue → consumer path
// moves the read model here. Then the time for the lag to reach 0 once writes stop.
const CONNECTIONS = 8;

export default {
  name: 'projection lag',
  async run(ctx) {
    const tenant = ctx.tenant('lag');
    const loadMs = ctx.scale(8_000, 1_000);
    const samples = [];
    let writing = true;
    const sampler = (async () => {
      while (writing) {
        const status = await ctx.api(`/~${tenant}/projections/status`);
        if (status.status === 200) samples.push(status.body.lag);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const load = await ctx.createContacts({
      tenant,
      contact: (n) => ({ name: `Lag ${n}`, email: `lag-${n}@example.com`, stage: 'Lead' }),
      connections: CONNECTIONS,
      maxRequests: 1_000_000,
      maxMs: loadMs,
    });
    writing = false;
    await sampler;
    if (load.statuses['201'] !== load.requests)
      throw new Error(`expected only 201, got ${JSON.stringify(load.statuses)}`);
    const drained = await ctx.time(async () => {
      for (let tries = 0; tries < 600; tries++) {
        const status = await ctx.api(`/~${tenant}/projections/status`);
        if (status.body.lag === 0 && status.body.head === load.requests) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('the projection did not catch up within 30 s');
    });
    const sorted = [...samples].sort((a, b) => a - b);
    const how =
      `${Math.round(load.perSecond)} creates/s over ${(loadMs / 1000).toFixed(0)} s, ` +
      `${CONNECTIONS} connections; ${samples.length} samples`;
    ctx.report(
      'projection lag under writes, median',
      sorted[Math.floor(sorted.length / 2)] ?? NaN,
      'events',
      undefined,
      how,
    );
    ctx.report('projection lag under writes, max', sorted.at(-1) ?? NaN, 'events', undefined, how);
    ctx.report(
      'projection caught up after writes stop',
      drained.ms,
      'ms',
      undefined,
      'until status lag = 0 (polled every 50 ms)',
    );
  },
};
