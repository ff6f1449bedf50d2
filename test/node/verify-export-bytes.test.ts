// The CLI's offline verify reads an export's bytes (cli/scan-bytes.ts) rather than its text: the same lines
// are accepted, the same breaks are found at the same seq with the same reason, in one thread and in worker
// threads, and a line it cannot read from bytes (escapes, bytes that are not UTF-8, another shape) still
// goes through the text.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readExport } from '../../cli/offline';
import { scanExportBytes } from '../../cli/scan-bytes';
import { ChainVerifier } from '../../domain/chain-verifier';
import { fold } from '../../domain/evolve';
import { chain, chainInput, GENESIS_HASH, type StoredEvent } from '../../domain/events';
import { exportLine, scanExportLine } from '../../domain/export-line';

const dir = mkdtempSync(join(tmpdir(), 'crm-verify-bytes-'));

/** A chained log: `n` events, every third one with causation and correlation ids, some lines not ASCII. */
function aLog(n: number, overrides: (i: number) => Partial<StoredEvent> = () => ({})): StoredEvent[] {
  let prev = GENESIS_HASH;
  return Array.from({ length: n }, (_, i) => {
    const event = chain(
      {
        type: i % 4 === 0 ? 'Contact.Created' : 'Contact.Updated',
        entityType: 'Contact',
        entityId: `contact_${Math.floor(i / 4)}`,
        data:
          i % 4 === 0
            ? { name: i % 8 ? `Ada Byron ${i}` : `Zoë Ørsted ${i}`, email: `zoe${i}@example.com`, stage: 'Lead' }
            : { changes: { title: { from: null, to: i % 2 ? `Directrice ${i} — 東京` : `Director ${i}` } } },
        seq: i + 1,
        id: `01K${String(i + 1).padStart(23, '0')}`,
        time: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
        entityVersion: (i % 4) + 1,
        actor: i % 5 === 0 ? 'key_01ABC' : 'admin',
        causationId: i % 3 === 0 ? `01KCAUSE${i}` : null,
        correlationId: i % 3 === 0 ? `req-${i}` : null,
        ...overrides(i),
      },
      prev,
    );
    prev = event.hash;
    return event;
  });
}

function file(name: string, lines: (string | Buffer)[]): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat(lines.map((l) => Buffer.concat([Buffer.from(l), Buffer.from('\n')]))));
  return path;
}

const linesOf = (events: StoredEvent[]) => events.map(exportLine);

/** `crm verify <file> --threads n`, as a user runs it (worker threads need the bundled CLI). */
function crmVerify(path: string, threads: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [resolve(import.meta.dirname, '../../cli/crm.mjs'), 'verify', path, '--threads', String(threads)];
  return new Promise((done) =>
    execFile(process.execPath, args, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const THREADS = [1, 2, 3];

describe('scanExportBytes', () => {
  it('reads a line as scanExportLine reads its text: the chain input as UTF-8, the event, the hashes', () => {
    const verifier = new ChainVerifier(); // its default hash, as the Durable Object has it
    for (const event of aLog(7)) {
      const line = exportLine(event);
      const bytes = Buffer.concat([Buffer.from('ignored\n'), Buffer.from(line), Buffer.from('\nnext')]);
      const scanned = scanExportBytes(bytes, 8, 8 + Buffer.byteLength(line))!;
      expect(Buffer.from(scanned.chainText).toString('utf8')).toBe(chainInput(event));
      expect(Buffer.from(scanned.rawData).toString('utf8')).toBe(scanExportLine(line)!.rawData);
      expect(scanned.event()).toEqual(event);
      expect([scanned.seq, scanned.type, scanned.time]).toEqual([event.seq, event.type, event.time]);
      expect([scanned.prevHash, scanned.hash, scanned.dataHash]).toEqual([event.prevHash, event.hash, event.dataHash]);
      expect(scanned.matches(event.prevHash, event.hash, event.dataHash)).toBe(true);
      expect(scanned.matches(event.prevHash, event.dataHash, event.dataHash)).toBe(false);
      expect(verifier.accepts(scanned)).toBe(true);
    }
    expect(verifier.head.seq).toBe(7);
  });

  it('leaves to the text a line with an escape, a renamed or reordered member, or no closing brace', () => {
    const [event] = aLog(1);
    const line = exportLine({ ...event!, actor: 'key "x"' });
    const reordered = exportLine(event!).replace(/"type":("[^"]*"),"time":("[^"]*")/, '"time":$2,"type":$1');
    for (const text of [line, exportLine(event!).replace('"actor"', '"actoR"'), reordered, `${exportLine(event!)} `])
      expect(scanExportBytes(Buffer.from(text), 0, Buffer.byteLength(text))).toBeUndefined();
    expect(scanExportLine(line)).toBeDefined();
  });
});

describe('crm verify over bytes', () => {
  it('verifies a log as the text path does, with blank lines, escapes and folding', async () => {
    const events = aLog(40, (i) => (i === 9 ? { actor: 'key "quoted" \\ é' } : {}));
    const path = file('good.ndjson', ['', ...linesOf(events).flatMap((l, i) => (i === 20 ? [l, '   '] : [l]))]);
    const head = { seq: 40, hash: events.at(-1)!.hash };
    expect(await readExport(path, { fold: false })).toMatchObject({ ok: true, events: 40, head });
    const folded = await readExport(path);
    expect(folded.ok && [...folded.state]).toEqual([...fold(events)]);
    for (const threads of THREADS) {
      const run = await crmVerify(path, threads);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(`ok: 40 events, head seq 40 hash ${head.hash}`);
    }
  });

  const events = aLog(30);
  const lines = linesOf(events);
  const broken: [string, (ls: (string | Buffer)[]) => (string | Buffer)[], number, RegExp][] = [
    [
      'changed data',
      (ls) => ls.map((l, i) => (i === 11 ? String(l).replace('Directrice', 'Director') : l)),
      12,
      /data/,
    ],
    [
      'a changed envelope',
      (ls) => ls.map((l, i) => (i === 17 ? String(l).replace('"actor":"admin"', '"actor":"admiN"') : l)),
      18,
      /hash does not match the event/,
    ],
    [
      'an event chained onto another one than the one before it (its own hashes right)',
      (ls) => ls.map((l, i) => (i === 5 ? exportLine(chain(events[5]!, events[3]!.hash)) : l)),
      6,
      /prevhash does not match/,
    ],
    ['a removed event', (ls) => ls.filter((_, i) => i !== 8), 9, /expected seq 9, found 10/],
    [
      'a hash in capitals',
      (ls) => ls.map((l, i) => (i === 3 ? String(l).replace(events[3]!.hash, events[3]!.hash.toUpperCase()) : l)),
      4,
      /hash does not match the event/,
    ],
    [
      'bytes that are not UTF-8 in the data',
      (ls) =>
        ls.map((l, i) => {
          if (i !== 13) return l;
          const bytes = Buffer.from(String(l));
          bytes[bytes.indexOf(Buffer.from('東'))] = 0xff;
          return bytes;
        }),
      14,
      /data does not match datahash/,
    ],
    [
      'a member renamed',
      (ls) => ls.map((l, i) => (i === 21 ? String(l).replace('"actor"', '"actoR"') : l)),
      22,
      /actor/,
    ],
  ];
  for (const [what, edit, seq, reason] of broken)
    it(`finds ${what} at its seq, in one thread and in worker threads`, async () => {
      const path = file(`${what}.ndjson`, edit(lines));
      expect(await readExport(path, { fold: false })).toMatchObject({ ok: false, seq, reason });
      for (const threads of THREADS) {
        const run = await crmVerify(path, threads);
        expect(run.code, `--threads ${threads}`).toBe(1);
        expect(run.stderr, `--threads ${threads}`).toMatch(new RegExp(`^broken at seq ${seq}: .*${reason.source}`));
      }
    });
});
