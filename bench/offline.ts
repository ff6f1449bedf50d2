// The offline half of the audit tooling, for the bench: a synthetic log made with the domain's own
// `chain`, and the same `verifyChain` and `fold` the Durable Object and tests use. Runs in Node.
import { chain, GENESIS_HASH, type StoredEvent } from '../domain/events';

export { verifyChain } from '../domain/events';
export { fold } from '../domain/evolve';

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
