// `crm load`: bulk-loads contact records (not events) from CSV or NDJSON through /batch with capture
// semantics (a known email is matched, not duplicated), and reports each refused row with its reason.
import { linesOf } from './lines';
import { Progress } from './progress';
import { call, CliError, type Server } from './remote';
import { statSync } from 'node:fs';

export const LOAD_BATCH = 500;
/** Batches in flight at once: the log serializes them, so capture still deduplicates across batches. */
const IN_FLIGHT = 4;

export interface LoadReport {
  readonly rows: number;
  readonly created: number;
  readonly matched: number;
  readonly refused: { row: number; status: number; reason: string }[];
}

/** One CSV record's fields (RFC 4180: quoted fields, doubled quotes; no newlines inside quotes). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') out.push(field), (field = '');
    else field += c;
  }
  out.push(field.replace(/\r$/, ''));
  return out;
}

async function* records(
  file: string,
  onBytes: (n: number) => void,
): AsyncGenerator<{ row: number; data: Record<string, unknown> | string }> {
  const csv = /\.csv$/i.test(file);
  let header: string[] | undefined;
  let row = 0;
  for await (const lines of linesOf(file, onBytes)) {
    for (const line of lines) {
      row++;
      if (line.trim() === '') continue;
      if (!csv) {
        try {
          yield { row, data: JSON.parse(line) as Record<string, unknown> };
        } catch {
          yield { row, data: 'not JSON' };
        }
        continue;
      }
      const fields = csvFields(line);
      if (!header) {
        header = fields.map((f) => f.trim());
        continue;
      }
      // Empty cells are absent fields, not empty strings.
      yield {
        row,
        data: Object.fromEntries(header.map((h, i) => [h, fields[i]]).filter(([, v]) => v !== undefined && v !== '')),
      };
    }
  }
}

export async function load(server: Server, file: string, json: boolean): Promise<LoadReport> {
  const progress = new Progress('load', statSync(file).size, !json && Boolean(process.stderr.isTTY));
  const report = { rows: 0, created: 0, matched: 0, refused: [] as LoadReport['refused'] };
  let bytes = 0;
  let batch: { row: number; data: Record<string, unknown> }[] = [];
  const inFlight: Promise<void>[] = [];
  const send = async (batch: { row: number; data: Record<string, unknown> }[]) => {
    if (!batch.length) return;
    const operations = batch.map((r) => ({ type: 'Contact', verb: 'capture', data: r.data }));
    const answer = await call(server, '/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operations }),
    });
    const { results } = (await answer.json()) as {
      results: { status: number; body?: { detail?: string; errors?: { path: string; message: string }[] } }[];
    };
    if (results.length !== batch.length)
      throw new CliError(`the server answered ${results.length} results for ${batch.length} rows`);
    results.forEach((result, i) => {
      if (result.status === 201) report.created++;
      else if (result.status === 200) report.matched++;
      else {
        const errors = (result.body?.errors ?? []).map((e) => `${e.path} ${e.message}`).join('; ');
        report.refused.push({
          row: batch[i]!.row,
          status: result.status,
          reason: [result.body?.detail, errors].filter(Boolean).join(': '),
        });
      }
    });
    progress.update(bytes, `${report.rows.toLocaleString('en-US')} rows`);
  };
  const flush = async (limit: number) => {
    const sent = send(batch);
    sent.catch(() => undefined); // still thrown where it is awaited, in order
    inFlight.push(sent);
    batch = [];
    while (inFlight.length > limit) await inFlight.shift();
  };
  for await (const record of records(file, (b) => (bytes = b))) {
    report.rows++;
    if (typeof record.data === 'string') report.refused.push({ row: record.row, status: 400, reason: record.data });
    else batch.push({ row: record.row, data: record.data });
    if (batch.length >= LOAD_BATCH) await flush(IN_FLIGHT - 1);
  }
  await flush(0);
  progress.done();
  report.refused.sort((a, b) => a.row - b.row);
  return report;
}
