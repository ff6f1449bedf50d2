// A minimal client of workerd's V8 inspector (startRuntime({ inspectorPort })): the Worker isolate's heap
// after full garbage collections. Edge, TenantLog and ReadModel share that one isolate.
import { createServer } from 'node:net';

/** A free loopback port for the inspector. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * The used heap bytes of the isolate of the Worker named `worker`, after full collections. workerd runs a
 * collection the inspector asks for only when the isolate next runs, so `poke` (a cheap request, e.g. GET
 * /health) is called until each one is done. A connection per reading: a long-lived one may be dropped.
 */
export async function heapUsed(port, poke, worker = 'crm-bench') {
  const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const target = list.find((t) => t.title?.includes(worker)) ?? list[0];
  if (!target) throw new Error(`no inspector target on port ${port}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  try {
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve, { once: true });
      ws.addEventListener('error', () => reject(new Error('the inspector connection failed')), { once: true });
    });
    let id = 0;
    const waiting = new Map();
    ws.addEventListener('message', (m) => {
      const answer = JSON.parse(m.data);
      waiting.get(answer.id)?.(answer);
      waiting.delete(answer.id);
    });
    const closed = new Promise((_, reject) =>
      ws.addEventListener('close', () => reject(new Error('the inspector connection closed')), { once: true }),
    );
    const send = (method) =>
      Promise.race([
        closed,
        new Promise((resolve, reject) => {
          const i = ++id;
          waiting.set(i, (a) => (a.error ? reject(new Error(`${method}: ${a.error.message}`)) : resolve(a.result)));
          ws.send(JSON.stringify({ id: i, method }));
        }),
      ]);
    // Several collections: V8 ages unused bytecode and weak caches out over a few of them.
    for (let i = 0; i < 3; i++) {
      let done = false;
      const collected = send('HeapProfiler.collectGarbage').finally(() => (done = true));
      while (!done) await Promise.race([collected, poke().then(() => new Promise((r) => setTimeout(r, 20)))]);
      await collected;
    }
    return (await send('Runtime.getHeapUsage')).usedSize;
  } finally {
    ws.close();
  }
}
