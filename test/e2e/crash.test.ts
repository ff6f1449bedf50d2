// A crash under load loses nothing that was acknowledged: `wrangler dev` and its workerd are SIGKILLed while
// clients write concurrently, several times, each time restarted on the same state. After each restart every
// write a client saw acknowledged (201, or 200 for a batch) is there, the log is gapless and its hash chain
// verifies; at the end the read model catches up with the log (GET /projections/status lag 0).
import { describe, expect, it } from 'vitest';
import { E2E_ADMIN_TOKEN, sleep, startWranglerDev, type WranglerDev } from './wrangler-dev';

const TENANT = 'crash';
const CYCLES = Number(process.env['CRASH_CYCLES'] ?? 3);
const WRITERS = 8;
const headers = { authorization: `Bearer ${E2E_ADMIN_TOKEN}`, 'content-type': 'application/json' };

/** What clients saw acknowledged: entity id → the seq its write answered. */
type Acknowledged = Map<string, number>;

describe('a SIGKILL of wrangler dev under concurrent writes', () => {
  it(`loses no acknowledged write, keeps the chain gapless and verifiable, ${CYCLES} times over`, async () => {
    const acknowledged: Acknowledged = new Map();
    let dev = await startWranglerDev();
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const before = acknowledged.size;
      const writing = writeUntilRefused(dev.url, acknowledged);
      // Kill mid-stream: once some writes of this cycle were acknowledged, after a random extra moment.
      await until(() => acknowledged.size >= before + 20, 60_000, 'no write acknowledged');
      await sleep(Math.random() * 500);
      await dev.kill();
      await writing;
      expect(acknowledged.size).toBeGreaterThan(before);

      dev = await startWranglerDev({ persistTo: dev.stateDir });
      await expectAllPresent(dev, acknowledged);
      await expectGaplessVerifiedLog(dev, Math.max(...acknowledged.values()));
    }
    // Nothing writes now. Nudges in flight died with the process (local queues live in its memory): a status
    // that shows a lag starts a catch-up, so polling it is enough for the read model to reach the head.
    const head = await expectGaplessVerifiedLog(dev, 0);
    await until(async () => (await status(dev)).lag === 0, 60_000, `the read model did not catch up with seq ${head}`);
    expect(await status(dev)).toMatchObject({ checkpoint: head, head, lag: 0 });
    await dev.stop();
  });
});

/** WRITERS clients, each creating one contact or an atomic batch of three, until the server is gone. */
async function writeUntilRefused(url: string, acknowledged: Acknowledged): Promise<void> {
  const writer = async (w: number) => {
    for (let i = 0; ; i++) {
      const name = `w${w}-${i}-${Math.random().toString(36).slice(2, 8)}`;
      const batch = i % 4 === 3;
      const create = (k: number) => ({ type: 'Contact', verb: 'create', data: { name: `${name}-${k}` } });
      const body = batch ? { atomic: true, operations: [1, 2, 3].map(create) } : { name, email: `${name}@crash.test` };
      let answer: Response;
      try {
        const target = `${url}/~${TENANT}/${batch ? 'batch' : 'contacts'}`;
        answer = await fetch(target, { method: 'POST', headers, body: JSON.stringify(body) });
      } catch {
        return; // the server is gone: whatever was not answered was not acknowledged
      }
      const text = await answer.text().catch(() => undefined);
      if (text === undefined) return;
      if (answer.status !== (batch ? 200 : 201)) throw new Error(`write answered ${answer.status}: ${text}`);
      const seq = Number(answer.headers.get('x-event-seq'));
      const json = JSON.parse(text);
      const ids: string[] = batch ? json.results.map((r: { body: { $id: string } }) => r.body.$id) : [json.$id];
      for (const id of ids) acknowledged.set(id, seq);
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
}

async function expectAllPresent(dev: WranglerDev, acknowledged: Acknowledged): Promise<void> {
  const missing: string[] = [];
  const ids = [...acknowledged.keys()];
  for (let i = 0; i < ids.length; i += 16) {
    await Promise.all(ids.slice(i, i + 16).map(async (id) => {
      const answer = await fetch(`${dev.url}/~${TENANT}/contacts/${id}`, { headers });
      await answer.arrayBuffer();
      if (answer.status !== 200) missing.push(`${id} (seq ${acknowledged.get(id)}): ${answer.status}`);
    }));
  }
  expect(missing, 'acknowledged writes missing after the restart').toEqual([]);
}

/** Every seq from 1 to the head once, the head at least `atLeast`, and /audit/verify ok. Returns the head. */
async function expectGaplessVerifiedLog(dev: WranglerDev, atLeast: number): Promise<number> {
  const seqs: number[] = [];
  for (let after = '0'; ; ) {
    const events = await fetch(`${dev.url}/~${TENANT}/events?after=${after}&limit=1000`, { headers });
    const page = (await events.json()) as {
      data: { seq: number }[];
      next: string | null;
    };
    seqs.push(...page.data.map((e) => e.seq));
    if (!page.next) break;
    after = page.next;
  }
  expect(seqs.every((seq, i) => seq === i + 1), 'seqs are 1, 2, 3, … without a gap').toBe(true);
  expect(seqs.length).toBeGreaterThanOrEqual(atLeast);
  for (let from = 1; ; ) {
    const verdict = (await (await fetch(`${dev.url}/~${TENANT}/audit/verify?from=${from}`, { headers })).json()) as {
      ok: boolean;
      next: number | null;
    };
    expect(verdict, 'the hash chain verifies').toMatchObject({ ok: true });
    if (!verdict.next) break;
    from = verdict.next;
  }
  return seqs.length;
}

async function status(dev: WranglerDev): Promise<{ checkpoint: number; head: number; lag: number }> {
  return (await (await fetch(`${dev.url}/~${TENANT}/projections/status`, { headers })).json()) as {
    checkpoint: number;
    head: number;
    lag: number;
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await sleep(100);
  }
}
