// DESIGN §7: the DO heap stays flat as a tenant grows, and the first request after a wake-up does not depend
// on the log's length. One tenant grows from 10,000 to 1,000,000 events by in-DO creates (benchCreates, in
// chunks) on a workerd of this scenario's own, with an inspector: the Worker isolate's heap after a full GC is
// read at each size. At the smallest and the largest size workerd is stopped and started again on the same
// state (the object, its isolate and SQLite's page cache are gone), the isolate woken by GET /health, and the
// first GET of one contact (the object's wake-up) then the first create are timed, three times each.
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, heapUsed } from '../lib/inspector.mjs';
import { BENCH_ADMIN_TOKEN, startRuntime } from '../lib/runtime.mjs';

const MODULE = '.bench/build/worker.js'; // built by scripts/bench.mjs before any scenario runs
const WAKES = 5;

export default {
  name: 'heap and wake-up as a tenant grows',
  async run(ctx) {
    const sizes = ctx.scale([10_000, 100_000, 1_000_000], [2_000, 10_000, 50_000]);
    const chunk = ctx.scale(25_000, 5_000);
    const stateDir = mkdtempSync(join(ctx.stateParent, 'crm-bench-heap-'));
    const tenant = ctx.tenant('heap');
    const auth = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` };
    let runtime;
    let inspectorPort;
    // The read model's queue deliveries are requests too, and may drop a reading's connection: a few tries.
    const heap = async () => {
      for (let tries = 1; ; tries++) {
        try {
          return await heapUsed(inspectorPort, () => fetch(`${runtime.baseUrl}/health`).then((r) => r.text()));
        } catch (error) {
          if (tries === 5) throw error;
        }
      }
    };
    const start = async () => {
      inspectorPort = await freePort();
      runtime = await startRuntime({ modulePath: resolve(MODULE), stateDir, inspectorPort });
    };
    const stop = async () => {
      await runtime?.mf.dispose();
      runtime = undefined;
    };
    const call = async (method, ...args) => {
      const response = await fetch(`${runtime.baseUrl}/__bench/do/TENANT_LOG/${tenant}/${method}`, {
        method: 'POST',
        body: JSON.stringify(args),
      });
      if (!response.ok) throw new Error(`${method}: ${response.status} ${await response.text()}`);
      return response.json();
    };
    const request = async (path, init = {}) => {
      const response = await fetch(`${runtime.baseUrl}${path}`, { ...init, headers: { ...auth, ...init.headers } });
      const text = await response.text();
      return { status: response.status, text };
    };
    let head = 0;
    let tag = 0;
    let created = 0;
    let growMs = 0;
    const growTo = async (events) => {
      while (head < events) {
        const count = Math.min(chunk, events - head);
        const { ms, value } = await ctx.time(() => call('benchCreates', count, `g${tag++}`));
        if (value.ok !== count) throw new Error(`${value.failed} of ${count} creates failed (${value.firstError})`);
        if (value.head < head + count) throw new Error(`the head is ${value.head} after ${count} more creates`);
        head = value.head;
        created += count;
        growMs += ms;
        if (head % 100_000 < count)
          ctx.log(`${head.toLocaleString('en-US')} events, ${Math.round(count / (ms / 1000))}/s`);
      }
    };
    let contactId;
    const wakeUps = async () => {
      const read = [];
      const create = [];
      const heaps = [];
      for (let i = 0; i < WAKES; i++) {
        await stop();
        await start();
        if ((await request('/health')).status !== 200) throw new Error('GET /health did not answer 200');
        const got = await ctx.time(() => request(`/~${tenant}/contacts/${contactId}`));
        if (got.value.status !== 200) throw new Error(`the first GET answered ${got.value.status}`);
        const body = JSON.stringify({ name: `Wake ${head} ${i}`, email: `wake-${head}-${i}@example.com` });
        const posted = await ctx.time(() =>
          request(`/~${tenant}/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
        );
        if (posted.value.status !== 201) throw new Error(`the first create answered ${posted.value.status}`);
        read.push(got.ms);
        create.push(posted.ms);
        heaps.push(await heap());
      }
      head = (await call('benchCreates', 0, 'head')).head;
      return { read: ctx.median(read), create: ctx.median(create), heap: ctx.median(heaps) };
    };
    try {
      await start();
      ctx.log('workerd started, with an inspector');
      const heaps = [];
      let small;
      for (const size of sizes) {
        await growTo(size);
        if (!contactId) {
          const first = JSON.parse((await request(`/~${tenant}/events?after=0&limit=1`)).text);
          contactId = first.data[0].subject;
        }
        heaps.push(await heap());
        ctx.log(`${head.toLocaleString('en-US')} events: heap ${mb(heaps.at(-1))}`);
        if (size === sizes[0]) small = await wakeUps();
      }
      const status = JSON.parse((await request(`/~${tenant}/projections/status`)).text);
      ctx.log(`read model lag at ${head.toLocaleString('en-US')} events: ${status.lag}`);
      const large = await wakeUps();
      const [first, , last] = sizes.map((n) => n.toLocaleString('en-US'));
      const grew = `${first} → ${last} events by in-DO creates in chunks of ${chunk.toLocaleString('en-US')}`;
      for (const [i, bytes] of heaps.entries()) {
        const note = 'used heap after a full GC, through the inspector';
        ctx.report(
          `isolate heap at ${sizes[i].toLocaleString('en-US')} events`,
          bytes / 2 ** 20,
          'MiB',
          undefined,
          note,
        );
      }
      ctx.report(`heap ratio ${last} / ${first} events`, heaps.at(-1) / heaps[0], '×', '<= 1.5', grew);
      ctx.report(
        `heap after a wake-up, ratio ${last} / ${first}`,
        large.heap / small.heap,
        '×',
        '<= 1.5',
        `${mb(small.heap)} → ${mb(large.heap)}, after the first GET and create`,
      );
      const how = (what, a, b) =>
        `${what}: ${a.toFixed(1)} ms at ${first}, ${b.toFixed(1)} ms at ${last}` +
        ` (median of ${WAKES} restarts of workerd on the same state)`;
      ctx.report(
        `first GET after a wake-up, ratio ${last} / ${first}`,
        large.read / small.read,
        '×',
        '<= 2',
        how('GET one contact', small.read, large.read),
      );
      ctx.report(
        `first create after a wake-up, ratio ${last} / ${first}`,
        large.create / small.create,
        '×',
        '<= 2',
        how('POST one contact, after that GET', small.create, large.create),
      );
      ctx.report('growth by in-DO creates (setup)', created / (growMs / 1000), 'commands/s', undefined, grew);
    } finally {
      await stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
};

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
