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
    const n = Math.floor((seq - 1) / 4);
    const step = (seq - 1) % 4;
    const entityId = `contact_${String(n).padStart(26, '0')}`;
    const data =
      step === 0
        ? { name: `Person ${n}`, email: `person${n}@example.com`, stage: 'Lead' }
        : { changes: { [['title', 'stage', 'phone'][step - 1]!]: { from: null, to: step === 2 ? STAGES[n % 3] : `value ${seq}` } } };
    const event = chain(
      {
        type: step === 0 ? 'Contact.Created' : 'Contact.Updated',
        entityType: 'Contact',
        entityId,
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
    events.push(event);
    prev = event.hash;
  }
  return events;
}
