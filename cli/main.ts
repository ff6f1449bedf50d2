// `crm`: export, import, verify, replay, checkpoint, load and tail (docs/replay.md). Exit codes: 0 done,
// 1 refused or broken (a chain break, a 4xx), 2 a usage error or a server that cannot be reached.
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { represent } from '../domain/entity';
import { parseArgs, option, UsageError, type Args } from './args';
import { load } from './load';
import { census, readCheckpoint, readExport, SignatureError, type Jwk, type Outcome } from './offline';
import { Progress } from './progress';
import { CliError, exportTo, importFrom, saveCheckpoint, tail, type Server } from './remote';

const CONNECTION = `  --url <url>        the server (or CRM_URL)
  --tenant <name>    the tenant (or CRM_TENANT)
  --token <token>    an admin token or tenant key (or CRM_TOKEN)
  --json             print one JSON result on stdout, no progress bar`;

const help = (...lines: string[]) => lines.join('\n');

const HELP: Readonly<Record<string, string>> = {
  export: help(
    'crm export [-o file] [--after seq]',
    "  Streams the tenant's log as NDJSON CloudEvents (stdout without -o).",
    CONNECTION,
  ),
  import: help(
    'crm import <file>',
    '  Restores an export into an empty tenant; a broken line refuses it all (exit 1, naming the seq).',
    CONNECTION,
  ),
  verify: help(
    'crm verify <file> [--checkpoint cp.json] [--keys keys.json] [--threads n] [--json]',
    "  Offline: checks the hash chain, folds every event with the domain's code and prints a summary.",
    '  With a checkpoint, also proves the file extends it (neither truncated nor rewritten before its seq).',
    '  --threads: worker threads checking the chain by byte ranges (default: up to 4 for files over 32 MB).',
  ),
  replay: help(
    'crm replay <file> --until <seq|ISO time> [--id <entityId>]',
    '  Offline: the state at that point, of one entity or (without --id) of every entity, one JSON per line.',
  ),
  checkpoint: help(
    'crm checkpoint [-o cp.json]',
    "  Saves a signed checkpoint of the tenant's head, with the public key it verifies with.",
    CONNECTION,
  ),
  load: help(
    'crm load <contacts.csv|contacts.ndjson>',
    '  Bulk-loads contact records through /batch as captures (deduplicated by email); lists refused rows.',
    CONNECTION,
  ),
  tail: help(
    'crm tail [--types Contact.Created,Contact.Qualified] [--after seq]',
    '  Follows the log live over SSE (GET /~t/events/stream), one CloudEvent per line, until interrupted;',
    '  a lost connection resumes after the last event printed. --types takes patterns: Contact.*, *.Created.',
    CONNECTION,
  ),
};

const USAGE = `crm <command> [options]   (crm <command> --help for more)\n\n${Object.values(HELP)
  .map((h) => `  ${h.split('\n')[0]}`)
  .join('\n')}\n`;

function server(args: Args): Server {
  const url = option(args, 'url', 'CRM_URL');
  const tenant = option(args, 'tenant', 'CRM_TENANT');
  const token = option(args, 'token', 'CRM_TOKEN');
  const missing = [
    !url && '--url (CRM_URL)',
    !tenant && '--tenant (CRM_TENANT)',
    !token && '--token (CRM_TOKEN)',
  ].filter(Boolean);
  if (missing.length) throw new UsageError(`missing ${missing.join(', ')}`);
  return { url: url!, tenant: tenant!, token: token! };
}

function fileArg(args: Args, what: string): string {
  const file = args.positionals[0];
  if (!file) throw new UsageError(`which ${what}? crm ${args.command} --help`);
  return file;
}

const out = (args: Args, json: unknown, text: string) =>
  process.stdout.write(args.options['json'] ? `${JSON.stringify(json)}\n` : `${text}\n`);

function broken(args: Args, outcome: Extract<Outcome, { ok: false }>): number {
  if (args.options['json'])
    out(args, { ok: false, seq: outcome.seq, reason: outcome.reason, events: outcome.events }, '');
  else process.stderr.write(`broken at seq ${outcome.seq}: ${outcome.reason}\n`);
  return 1;
}

async function verify(args: Args): Promise<number> {
  const file = fileArg(args, 'file');
  const cpPath = option(args, 'checkpoint');
  const keysPath = option(args, 'keys');
  const progress = new Progress('verify', undefined, !args.options['json'] && Boolean(process.stderr.isTTY));
  const threads = option(args, 'threads');
  if (threads !== undefined && !/^[1-9]\d*$/.test(threads))
    throw new UsageError('--threads must be a whole number, 1 or more');
  const outcome = await readExport(file, {
    threads: threads ? Number(threads) : statSync(file).size > 32 << 20 ? Math.min(availableParallelism(), 4) : 1,
    ...(cpPath ? { checkpoint: readCheckpoint(cpPath) } : {}),
    ...(keysPath ? { keys: (JSON.parse(readFileSync(keysPath, 'utf8')) as { keys: Jwk[] }).keys } : {}),
    onProgress: (_, events) => progress.update(events, `${events.toLocaleString('en-US')} events`),
  });
  progress.done();
  if (!outcome.ok) return broken(args, outcome);
  const entities = census(outcome.state);
  const lines = Object.entries(entities).map(
    ([noun, c]) => `  ${noun.padEnd(14)} ${String(c.live).padStart(9)} live ${String(c.total).padStart(9)} in all`,
  );
  out(
    args,
    { ok: true, events: outcome.events, head: outcome.head, entities, notes: outcome.notes },
    [
      `ok: ${outcome.events} events, head seq ${outcome.head.seq} hash ${outcome.head.hash}`,
      ...lines,
      ...outcome.notes,
    ].join('\n'),
  );
  return 0;
}

async function replay(args: Args): Promise<number> {
  const file = fileArg(args, 'file');
  const until = option(args, 'until');
  if (!until) throw new UsageError('--until <seq|ISO time> is required');
  const seq = /^\d+$/.test(until) ? Number(until) : undefined;
  const time = seq === undefined ? Date.parse(until) : undefined;
  if (seq === undefined && Number.isNaN(time))
    throw new UsageError(`--until ${until} is neither a seq nor an ISO time`);
  const outcome = await readExport(file, {
    until: (e) => (seq !== undefined ? e.seq <= seq : Date.parse(e.time) <= time!),
  });
  if (!outcome.ok) return broken(args, outcome);
  const id = option(args, 'id');
  const show = (e: NonNullable<ReturnType<typeof outcome.state.get>>) => ({
    ...represent(e),
    ...(e.deletedAt ? { $deletedAt: e.deletedAt } : {}),
    ...(e.mergedInto ? { $mergedInto: e.mergedInto } : {}),
  });
  if (id) {
    const entity = outcome.state.get(id);
    if (!entity) return (process.stderr.write(`no ${id} at seq ${outcome.head.seq}\n`), 1);
    out(args, show(entity), JSON.stringify(show(entity), null, 2));
    return 0;
  }
  for (const entity of outcome.state.values()) process.stdout.write(`${JSON.stringify(show(entity))}\n`);
  return 0;
}

async function run(args: Args): Promise<number> {
  const json = Boolean(args.options['json']);
  switch (args.command) {
    case 'verify':
      return verify(args);
    case 'replay':
      return replay(args);
    case 'export': {
      const after = Number(option(args, 'after') ?? 0);
      if (!Number.isSafeInteger(after) || after < 0) throw new UsageError('--after must be a seq number');
      const output = option(args, 'output');
      const done = await exportTo(server(args), output, after, json);
      if (output) out(args, { ok: true, ...done, file: output }, `exported ${done.events} events to ${output}`);
      return 0;
    }
    case 'import': {
      const done = await importFrom(server(args), fileArg(args, 'file'), json);
      out(
        args,
        { ok: true, ...done },
        `imported ${done.imported} events, head seq ${done.head.seq} hash ${done.head.hash}`,
      );
      return 0;
    }
    case 'checkpoint': {
      const output = option(args, 'output');
      const saved = await saveCheckpoint(server(args), output);
      if (output) out(args, saved, `checkpoint of seq ${String(saved['seq'])} saved to ${output}`);
      return 0;
    }
    case 'load': {
      const report = await load(server(args), fileArg(args, 'file'), json);
      const refusedLines = report.refused.map((r) => `  row ${r.row}: ${r.status} ${r.reason}`);
      out(
        args,
        report,
        [
          `${report.rows} rows: ${report.created} created, ${report.matched} matched, ${report.refused.length} refused`,
          ...refusedLines,
        ].join('\n'),
      );
      return report.refused.length ? 1 : 0;
    }
    case 'tail': {
      const types = option(args, 'types')
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      await tail(server(args), types, Number(option(args, 'after') ?? 0), controller.signal);
      return 0;
    }
    default:
      throw new UsageError(args.command ? `unknown command ${args.command}` : 'which command?');
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.options['help'] || args.command === 'help') {
    process.stdout.write(args.command && HELP[args.command] ? `${HELP[args.command]}\n` : USAGE);
    return 0;
  }
  try {
    return await run(args);
  } catch (error) {
    if (error instanceof UsageError) return (process.stderr.write(`crm: ${error.message}\n\n${USAGE}`), 2);
    if (error instanceof CliError) return (process.stderr.write(`crm: ${error.message}\n`), error.exitCode);
    if (error instanceof SignatureError) return (process.stderr.write(`crm: ${error.message}\n`), 1);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return (process.stderr.write(`crm: ${(error as Error).message}\n`), 2);
    throw error;
  }
}
