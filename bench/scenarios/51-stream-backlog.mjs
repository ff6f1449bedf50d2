// Backlog drain: one SSE subscriber from seq 0 over a log of 100,000 events (written in atomic batches).
import { openSse } from '../lib/sse.mjs';

export default {
  name: 'stream backlog',
  async run(ctx) {
    const tenant = ctx.tenant('sse-backlog');
    const total = ctx.scale(100_000, 2_000);
    for (let written = 0; written < total; written += 1_000) {
      const operations = Array.from({ length: Math.min(1_000, total - written) }, (_, i) => ({
        type: 'Organization',
        verb: 'create',
        data: { name: `Org ${written + i}` },
      }));
      const answer = await ctx.api(`/~${tenant}/batch`, { body: { atomic: true, operations } });
      if (answer.status !== 200) throw new Error(`batch answered ${answer.status}`);
    }
    let received = 0;
    let last = 0;
    let sse;
    const drained = await ctx.time(async () => {
      // biome-ignore lint/suspicious/noAsyncPromiseExecutor: the stream's handlers settle it; the await only opens it
      await new Promise(async (resolve, reject) => {
        sse = await openSse(
          `${ctx.baseUrl}/~${tenant}/events/stream?after=0`,
          { authorization: `Bearer ${ctx.adminToken}` },
          (seq) => {
            if (seq !== last + 1) reject(new Error(`gap or duplicate: ${seq} after ${last}`));
            last = seq;
            if (++received === total) resolve();
          },
        );
      });
    });
    sse.close();
    ctx.report(
      'SSE backlog drain, one subscriber',
      total / (drained.ms / 1000),
      'events/s',
      undefined,
      `${total} events from seq 0, in order, each once`,
    );
  },
};
