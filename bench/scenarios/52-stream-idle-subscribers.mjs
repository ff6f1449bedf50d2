// Write rate with 100 idle subscribers (WebSockets subscribed to a type never written) on the tenant,
// beside the rate with none, alternated: the ratio says what holding subscribers costs the writes.
const SUBSCRIBERS = 100;
const CONNECTIONS = 8;

export default {
  name: 'stream idle subscribers',
  async run(ctx) {
    const tenant = ctx.tenant('sse-idle');
    const plain = ctx.tenant('sse-none');
    // Both tenants exist and are warm before anything is timed.
    for (const t of [tenant, plain]) await ctx.api(`/~${t}/organizations`, { body: { name: 'warm-up' } });
    const sockets = await Promise.all(Array.from({ length: ctx.scale(SUBSCRIBERS, 20) }, () => openIdle(ctx, tenant)));
    const loadMs = ctx.scale(3_000, 500);
    let n = 0;
    const writes = (t) => async () => {
      const load = await ctx.load({
        path: `/~${t}/organizations`,
        method: 'POST',
        admin: true,
        headers: { 'content-type': 'application/json' },
        body: () => JSON.stringify({ name: `Org ${++n}` }),
        connections: CONNECTIONS,
        maxRequests: 1_000_000,
        maxMs: loadMs,
      });
      if (load.statuses['201'] !== load.requests)
        throw new Error(`expected only 201, got ${JSON.stringify(load.statuses)}`);
      return load.perSecond;
    };
    await writes(plain)(); // an untimed round first: the first load of a run is slower, whichever goes first
    const rates = await ctx.interleave(ctx.scale(3, 1), { none: writes(plain), idle: writes(tenant) });
    for (const socket of sockets) socket.close(1000);
    const [none, idle] = [ctx.median(rates.none), ctx.median(rates.idle)];
    const rounds = rates.none.length;
    const how = `${CONNECTIONS} connections, ${loadMs / 1000} s × ${rounds} rounds, ${sockets.length} sockets`;
    ctx.report('creates with no subscribers', none, 'req/s', undefined, how);
    ctx.report(`creates with ${sockets.length} idle subscribers`, idle, 'req/s', undefined, how);
    ctx.report('idle subscribers / none (write rate ratio)', idle / none, 'ratio', undefined, how);
  },
};

async function openIdle(ctx, tenant) {
  const socket = new WebSocket(`${ctx.baseUrl.replace('http', 'ws')}/~${tenant}/events/ws`, {
    headers: { authorization: `Bearer ${ctx.adminToken}` },
  });
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve);
    socket.addEventListener('error', () => reject(new Error('a subscriber did not connect')));
  });
  socket.send(JSON.stringify({ subscribe: { types: ['Campaign.Deleted'] } }));
  return socket;
}
