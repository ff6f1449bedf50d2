// The offline half of the audit tooling, for the bench: a synthetic log made with the domain's own
// `chain`, verified by the ChainVerifier the Durable Object, the import and the CLI share (with Node's
// one-shot SHA-256, as the CLI passes it), and folded by the same `fold` the tests use. Runs in Node.
import { hash } from 'node:crypto';
import { ChainVerifier } from '../domain/chain-verifier';
import { chain, GENESIS_HASH, type ChainBreak, type StoredEvent } from '../domain/events';

export { fold } from '../domain/evolve';

const sha256 = (input: string | Uint8Array) => hash('sha256', input, 'hex');

/** The chain of an in-memory log: its head, or the first break. */
export function verifyChain(events: Iterable<StoredEvent>): ChainBreak | { seq: number; hash: string } {
  const verifier = new ChainVerifier(undefined, undefined, sha256);
  for (const event of events) {
    const broken = verifier.step(event);
    if (broken) return broken;
  }
  return verifier.finish() ?? verifier.head;
}

const STAGES = ['Lead', 'Qualified', 'Customer'] as const;

/** `count` events: each contact is created, then updated three times (title, stage, phone). */
export function syntheticLog(count: number): StoredEvent[] {
  const events: StoredEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const event = syntheticEvent(seq, prev);
    events.push(event);
    prev = event.hash;
  }
  return events;
}

/** The event at `seq` of the synthetic log, chained onto `prev`: contact n is created at step 0, then updated. */
export function syntheticEvent(seq: number, prev: string): StoredEvent {
  const n = Math.floor((seq - 1) / 4);
  const step = (seq - 1) % 4;
  const data =
    step === 0
      ? { name: `Person ${n}`, email: `person${n}@example.com`, stage: 'Lead' }
      : {
          changes: {
            [['title', 'stage', 'phone'][step - 1]!]: { from: null, to: step === 2 ? STAGES[n % 3] : `value ${seq}` },
          },
        };
  return chain(
    {
      type: step === 0 ? 'Contact.Created' : 'Contact.Updated',
      entityType: 'Contact',
      entityId: `contact_${String(n).padStart(26, '0')}`,
      data,
      seq,
      id: `01K${String(seq).padStart(23, '0')}`,
      time: new Date(Date.UTC(2026, 0, 1) + seq).toISOString(),
      entityVersion: step + 1,
      actor: 'admin',
      causationId: null,
      correlationId: null,
    },
    prev,
  );
}
