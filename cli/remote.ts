// The commands that talk to a server: export, import, checkpoint, tail. Every failure is a CliError with
// a message a person can act on (wrong token, unreachable server, refused import at seq N).
import { createReadStream, createWriteStream, statSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { followEventStream } from '../client/sse.js';
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
  throw await refusal(answer);
}

/** The error a person can act on for a refused request (401, 403, or the problem's detail). */
async function refusal(answer: Response): Promise<CliError> {
  const text = await answer.text();
  let detail = text;
  try {
    const problem = JSON.parse(text) as { detail?: string; title?: string };
    detail = problem.detail ?? problem.title ?? text;
  } catch {
    // not a problem+json: the text as it came
  }
  if (answer.status === 401) return new CliError(`the server refused the token (401): ${detail}`);
  if (answer.status === 403) return new CliError(`the token lacks the scope for this (403): ${detail}`);
  return new CliError(`${answer.status} ${detail}`);
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
  const text = `${JSON.stringify(saved, null, 2)}\n`;
  if (output) writeFileSync(output, text);
  else process.stdout.write(text);
  return saved;
}

/**
 * Follows the log over SSE (GET /~t/events/stream, client/sse.js), printing each CloudEvent as a line. A
 * lost connection reconnects with Last-Event-ID (the seq of the last event printed), so nothing is printed
 * twice or skipped; 429 and 5xx are retried; any other refusal, or a server unreachable at the start, ends it.
 */
export async function tail(
  server: Server,
  types: readonly string[] | undefined,
  after: number,
  signal: AbortSignal,
): Promise<void> {
  const url = new URL(`${server.url.replace(/\/$/, '')}/~${server.tenant}/events/stream`);
  url.searchParams.set('after', String(after));
  if (types?.length) url.searchParams.set('types', types.join(','));
  let last = after;
  let connected = false;
  await followEventStream({
    url,
    signal,
    headers: { authorization: `Bearer ${server.token}` },
    onOpen: () => void (connected = true),
    onEvent(event) {
      const seq = Number(event.lastEventId);
      if (Number.isSafeInteger(seq) && seq <= last) return;
      process.stdout.write(`${event.data}\n`);
      if (Number.isSafeInteger(seq)) last = seq;
    },
    onError(error) {
      const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      if (!connected) throw new CliError(`cannot reach ${server.url}: ${reason}`, 2);
      process.stderr.write(`crm tail: connection lost (${reason}); resuming after seq ${last}\n`);
    },
    async onRefused(answer) {
      if (answer.status === 429 || answer.status >= 500) {
        const after = Number(answer.headers.get('retry-after') ?? NaN);
        return Number.isFinite(after) && after >= 0 ? after * 1000 : undefined;
      }
      if (!answer.ok) throw await refusal(answer);
      throw new CliError(`${server.url} has no event stream (${answer.headers.get('content-type')})`);
    },
  });
}
