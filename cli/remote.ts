// The commands that talk to a server: export, import, checkpoint, tail. Every failure is a CliError with
// a message a person can act on (wrong token, unreachable server, refused import at seq N).
import { createReadStream, createWriteStream, statSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Progress } from './progress';

export interface Server {
  readonly url: string;
  readonly tenant: string;
  readonly token: string;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export async function call(server: Server, path: string, init: RequestInit = {}): Promise<Response> {
  // Paths are the tenant's (`/export` → `/~t/export`), except the service's own (`/audit/keys`).
  const url = `${server.url.replace(/\/$/, '')}${path === '/audit/keys' ? '' : `/~${server.tenant}`}${path}`;
  let answer: Response;
  try {
    answer = await fetch(url, {
      ...init,
      headers: { authorization: `Bearer ${server.token}`, ...(init.headers as Record<string, string>) },
    });
  } catch (error) {
    throw new CliError(
      `cannot reach ${server.url}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`,
      2,
    );
  }
  if (answer.ok) return answer;
  const text = await answer.text();
  let detail = text;
  try {
    const problem = JSON.parse(text) as { detail?: string; title?: string };
    detail = problem.detail ?? problem.title ?? text;
  } catch {
    // not a problem+json: the text as it came
  }
  if (answer.status === 401) throw new CliError(`the server refused the token (401): ${detail}`);
  if (answer.status === 403) throw new CliError(`the token lacks the scope for this (403): ${detail}`);
  throw new CliError(`${answer.status} ${detail}`);
}

export async function exportTo(
  server: Server,
  output: string | undefined,
  after: number,
  json: boolean,
): Promise<{ events: number; head: number }> {
  const answer = await call(server, `/export?after=${after}`);
  const head = Number(answer.headers.get('x-event-seq') ?? 0);
  const progress = new Progress('export', Math.max(0, head - after), !json && Boolean(process.stderr.isTTY));
  let events = 0;
  const counting = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      for (const byte of chunk) if (byte === 10) events++;
      progress.update(events, `${events.toLocaleString('en-US')} events`);
      controller.enqueue(chunk);
    },
  });
  const body = Readable.fromWeb(answer.body!.pipeThrough(counting) as import('node:stream/web').ReadableStream);
  await pipeline(body, output ? createWriteStream(output) : process.stdout);
  progress.done();
  return { events, head };
}

export async function importFrom(
  server: Server,
  file: string,
  json: boolean,
): Promise<{ imported: number; head: { seq: number; hash: string } }> {
  const size = statSync(file).size;
  const progress = new Progress('import', size, !json && Boolean(process.stderr.isTTY));
  let sent = 0;
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  stream.on('data', (chunk) => progress.update((sent += chunk.length), `${(sent / 1e6).toFixed(1)} MB`));
  const answer = await call(server, '/import', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: Readable.toWeb(stream) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  progress.done();
  return (await answer.json()) as { imported: number; head: { seq: number; hash: string } };
}

export async function saveCheckpoint(server: Server, output: string | undefined): Promise<Record<string, unknown>> {
  const checkpoint = (await (await call(server, '/audit/checkpoint')).json()) as Record<string, unknown>;
  const keys = (await (await call(server, '/audit/keys')).json()) as { keys: { kid: string }[] };
  // The public key is kept beside the checkpoint; a careful auditor checks it against /audit/keys too.
  const saved = { ...checkpoint, publicKey: keys.keys.find((k) => k.kid === checkpoint['keyId']) };
  const text = JSON.stringify(saved, null, 2) + '\n';
  if (output) writeFileSync(output, text);
  else process.stdout.write(text);
  return saved;
}

/** Follows the log by polling the pull API (GET /~t/events?after=), printing each event as a line. */
export async function tail(
  server: Server,
  types: readonly string[] | undefined,
  after: number,
  signal: AbortSignal,
): Promise<void> {
  let cursor = after;
  while (!signal.aborted) {
    const page = (await (await call(server, `/events?after=${cursor}&limit=1000`)).json()) as {
      data: { seq: number; type: string }[];
      next: string | null;
    };
    for (const event of page.data) {
      if (!types || types.includes(event.type)) process.stdout.write(JSON.stringify(event) + '\n');
      cursor = event.seq;
    }
    if (page.next === null) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
