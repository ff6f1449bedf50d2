// The offline replay tooling, for the bench: writes a synthetic chained export file (the domain's own
// `chain` and export line), and reads it back with the CLI's verify (chain + fold) in Node.
import { createWriteStream } from 'node:fs';
import { chain, GENESIS_HASH } from '../domain/events';
import { exportLine } from '../domain/export-line';

export { readExport } from '../cli/offline';

const STAGES = ['Lead', 'Qualified', 'Customer'] as const;

/** Writes `count` events: each contact created, then updated three times (title, stage, phone). */
export async function writeSyntheticExport(path: string, count: number): Promise<string> {
  const out = createWriteStream(path);
  let prev = GENESIS_HASH;
  let buffer = '';
  for (let seq = 1; seq <= count; seq++) {
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
    const event = chain(
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
    prev = event.hash;
    buffer += exportLine(event) + '\n';
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  out.end(buffer);
  await new Promise<void>((resolve) => out.once('finish', () => resolve()));
  return prev;
}
