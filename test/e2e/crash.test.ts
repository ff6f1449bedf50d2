// A crash under load loses nothing that was acknowledged: `wrangler dev` and its workerd are SIGKILLed while
// clients write concurrently (creates, atomic batches, qualifies with their after-hooks), several times, each
// time restarted on the same state. After each restart every write a client saw acknowledged (201, or 200 for
// a batch) is there, the log is gapless and its hash chain verifies. At the end every qualify's after-hooks
// ran exactly once, and the read model catches up with the log (GET /projections/status lag 0).
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
      let failed: unknown;
      const writing = writeUntilRefused(dev.url, acknowledged).catch((error) => (failed = error));
      // Kill mid-stream: once some writes of this cycle were acknowledged, after a random extra moment.
      await until(
        () => {
          if (failed) throw failed;
          return acknowledged.size >= before + 20;
        },
        60_000,
        'no write acknowledged',
      );
      await sleep(Math.random() * 500);
      await dev.kill();
      await writing;
      if (failed) throw failed;
      expect(acknowledged.size).toBeGreaterThan(before);

      dev = await startWranglerDev({ persistTo: dev.stateDir });
      await expectAllPresent(dev, acknowledged);
      await expectGaplessVerifiedLog(dev, Math.max(...acknowledged.values()));
    }
    // Nothing writes now: the after-hooks a crash interrupted run all the same, each exactly once.
    await until(
      async () => afterHooksOnce(await allEvents(dev)),
      60_000,
      'after-hooks did not all run exactly once',
    ).catch(async (error) => {
      throw new Error(`${(error as Error).message}: ${hookReport(await allEvents(dev))}`);
    });
    // Nudges in flight died with the process (local queues live in its memory): a status that shows a lag
    // starts a catch-up, so polling it is enough for the read model to reach the head.
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
      if (i % 4 === 1) {
        if ((await qualifyNewLead(url, name, acknowledged)) === 'gone') return;
        continue;
      }
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

/** Creates a Lead that scores enough and qualifies it; the create counts as acknowledged once answered. */
async function qualifyNewLead(url: string, name: string, acknowledged: Acknowledged): Promise<'gone' | 'done'> {
  const lead = {
    name,
    email: `${name}@acme-corp.com`,
    stage: 'Lead',
    title: 'CEO',
    phone: '+1 555 0100',
    role: 'DecisionMaker',
  };
  try {
    const made = await fetch(`${url}/~${TENANT}/contacts`, { method: 'POST', headers, body: JSON.stringify(lead) });
    const body = (await made.json()) as { $id: string };
    if (made.status !== 201) throw new Error(`create answered ${made.status}: ${JSON.stringify(body)}`);
    acknowledged.set(body.$id, Number(made.headers.get('x-event-seq')));
    const qualified = await fetch(`${url}/~${TENANT}/contacts/${body.$id}/qualify`, { method: 'POST', headers });
    const text = await qualified.text();
    if (qualified.status !== 200) throw new Error(`qualify answered ${qualified.status}: ${text}`);
    return 'done';
  } catch (error) {
    if (error instanceof Error && /answered/.test(error.message)) throw error;
    return 'gone';
  }
}

interface LoggedEvent {
  readonly id: string;
  readonly seq: number;
  readonly type: string;
  readonly causationid?: string;
}

async function allEvents(dev: WranglerDev): Promise<LoggedEvent[]> {
  const all: LoggedEvent[] = [];
  for (let after = '0'; ; ) {
    const answer = await fetch(`${dev.url}/~${TENANT}/events?after=${after}&limit=1000`, { headers });
    const page = (await answer.json()) as { data: LoggedEvent[]; next: string | null };
    all.push(...page.data);
    if (!page.next) return all;
    after = page.next;
  }
}

/** Per Contact.Qualified event: how many Deal.Created and Activity.Created it caused. */
function hookCounts(events: readonly LoggedEvent[]): Map<string, { deals: number; activities: number }> {
  const qualified = events.filter((e) => e.type === 'Contact.Qualified');
  const counts = new Map(qualified.map((e) => [e.id, { deals: 0, activities: 0 }]));
  for (const e of events) {
    const count = e.causationid ? counts.get(e.causationid) : undefined;
    if (count && e.type === 'Deal.Created') count.deals += 1;
    if (count && e.type === 'Activity.Created') count.activities += 1;
  }
  return counts;
}

function afterHooksOnce(events: readonly LoggedEvent[]): boolean {
  const counts = [...hookCounts(events).values()];
  if (counts.some((c) => c.deals > 1 || c.activities > 1)) {
    throw new Error(`an after-hook ran twice: ${hookReport(events)}`);
  }
  return counts.length > 0 && counts.every((c) => c.deals === 1 && c.activities === 1);
}

function hookReport(events: readonly LoggedEvent[]): string {
  const off = [...hookCounts(events)].filter(([, c]) => c.deals !== 1 || c.activities !== 1);
  return `${hookCounts(events).size} qualified, not exactly once: ${JSON.stringify(off.slice(0, 5))}`;
}

async function expectAllPresent(dev: WranglerDev, acknowledged: Acknowledged): Promise<void> {
  const missing: string[] = [];
  const ids = [...acknowledged.keys()];
  for (let i = 0; i < ids.length; i += 16) {
    await Promise.all(
      ids.slice(i, i + 16).map(async (id) => {
        const answer = await fetch(`${dev.url}/~${TENANT}/contacts/${id}`, { headers });
        await answer.arrayBuffer();
        if (answer.status !== 200) missing.push(`${id} (seq ${acknowledged.get(id)}): ${answer.status}`);
      }),
    );
  }
  expect(missing, 'acknowledged writes missing after the restart').toEqual([]);
}

/** Every seq from 1 to the head once, the head at least `atLeast`, and /audit/verify ok. Returns the head. */
async function expectGaplessVerifiedLog(dev: WranglerDev, atLeast: number): Promise<number> {
  const seqs = (await allEvents(dev)).map((e) => e.seq);
  expect(
    seqs.every((seq, i) => seq === i + 1),
    'seqs are 1, 2, 3, … without a gap',
  ).toBe(true);
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
