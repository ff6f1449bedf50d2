// Commit to SSE client: one SSE subscriber on a tenant written at a steady, paced rate of HTTP creates;
// latency from each event's time (set inside the write's transaction) to its arrival at the client.
import { openSse } from '../lib/sse.mjs';

const RATE = 300; // creates a second

export default {
  name: 'stream latency',
  async run(ctx) {
    const tenant = ctx.tenant('sse-lat');
    await ctx.api(`/~${tenant}/organizations`, { body: { name: 'warm-up' } });
    const latencies = [];
    const sse = await openSse(
      `${ctx.baseUrl}/~${tenant}/events/stream`,
      { authorization: `Bearer ${ctx.adminToken}` },
      (_seq, data) => {
        latencies.push(Date.now() - Date.parse(JSON.parse(data).time));
      },
    );
    const total = ctx.scale(RATE * 8, RATE);
    const started = performance.now();
    const writes = [];
    for (let i = 0; i < total; i++) {
      const wait = started + (i * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      writes.push(ctx.api(`/~${tenant}/organizations`, { body: { name: `Org ${i}` } }));
    }
    const answers = await Promise.all(writes);
    const seconds = (performance.now() - started) / 1000;
    if (answers.some((a) => a.status !== 201)) throw new Error('a create failed');
    const deadline = Date.now() + 10_000;
    while (latencies.length < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    sse.close();
    if (latencies.length < total) throw new Error(`the SSE client received ${latencies.length} of ${total} events`);
    latencies.sort((a, b) => a - b);
    const achieved = Math.round(total / seconds);
    const how = `${total} creates paced at ${RATE}/s (achieved ${achieved}/s), one SSE client; event time to receipt`;
    ctx.report('commit to SSE client, median', latencies[Math.floor(latencies.length / 2)], 'ms', undefined, how);
    ctx.report('commit to SSE client, p99', latencies[Math.floor(latencies.length * 0.99)], 'ms', '< 50', how);
  },
};
