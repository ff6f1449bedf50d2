// The offline replay tooling, for the bench: writes a synthetic chained export file (the domain's own
// `chain` and export line), and reads it back with the CLI's verify (chain + fold) in Node.
import { createWriteStream } from 'node:fs';
import { GENESIS_HASH } from '../domain/events';
import { exportLine } from '../domain/export-line';
import { syntheticEvent } from './offline';

export { readExport } from '../cli/offline';

/** Writes `count` events: each contact created, then updated three times (title, stage, phone). */
export async function writeSyntheticExport(path: string, count: number): Promise<string> {
  const out = createWriteStream(path);
  let prev = GENESIS_HASH;
  let buffer = '';
  for (let seq = 1; seq <= count; seq++) {
    const event = syntheticEvent(seq, prev);
    prev = event.hash;
    buffer += `${exportLine(event)}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  out.end(buffer);
  await new Promise<void>((resolve) => out.once('finish', () => resolve()));
  return prev;
}
