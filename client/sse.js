// Server-Sent Events over `fetch`, for the SDK (client/index.js) and the `crm tail` command (cli/remote.ts).
// Plain ESM for Node ≥ 20, browsers and Workers. `EventSource` is not used: it cannot send an Authorization
// header, and Node 20 has none. The parser follows the WHATWG rules ("Parsing an event stream",
// html.spec.whatwg.org/multipage/server-sent-events.html): one leading BOM dropped, lines ended by CRLF, LF
// or CR (also split across chunks), `:` comments, `field: value` with one leading space removed, a field
// without a colon, `data` lines joined by LF, `id` kept across events (ignored when it holds NUL), `retry`
// only as ASCII digits, an event dispatched at a blank line, an unfinished one dropped at the end.

/** Incremental parser: `feed(text)` returns the events completed by that text, in order. */
export class SseParser {
  constructor(options = {}) {
    /** The last event ID (the `id` field, kept across events), sent back as `Last-Event-ID` on reconnect. */
    this.lastEventId = options.lastEventId ?? '';
    /** The reconnection time the stream asked for (`retry:`), in ms; undefined until it does. */
    this.retry = undefined;
    this.onComment = options.onComment;
    this.buffer = '';
    this.started = false;
    this.afterCR = false;
    this.idBuffer = this.lastEventId;
    this.type = '';
    this.data = '';
    this.hasData = false;
  }

  feed(input) {
    const events = [];
    let chunk = input;
    // (A chunk can be empty: a decoder holding half a character. It must not forget a pending CR.)
    if (chunk.length === 0) return events;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    // A CR ending the previous chunk already ended its line: an LF starting this one is the same line end.
    if (this.afterCR && chunk.charCodeAt(0) === 10) chunk = chunk.slice(1);
    this.afterCR = false;
    const text = this.buffer + chunk;
    let start = 0;
    for (;;) {
      let end = start;
      while (end < text.length) {
        const c = text.charCodeAt(end);
        if (c === 10 || c === 13) break;
        end++;
      }
      if (end >= text.length) break;
      const line = text.slice(start, end);
      if (text.charCodeAt(end) === 13) {
        if (end + 1 < text.length) start = text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
        else {
          start = end + 1;
          this.afterCR = true;
        }
      } else start = end + 1;
      this.line(line, events);
    }
    this.buffer = text.slice(start);
    return events;
  }

  line(line, events) {
    if (line === '') return this.dispatch(events);
    if (line.charCodeAt(0) === 58) return void this.onComment?.(line.slice(1).replace(/^ /, ''));
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') {
      this.data += this.hasData ? `\n${value}` : value;
      this.hasData = true;
    } else if (field === 'event') this.type = value;
    else if (field === 'id') {
      if (!value.includes('\0')) this.idBuffer = value;
    } else if (field === 'retry') {
      if (/^[0-9]+$/.test(value)) this.retry = Number(value);
    }
    // any other field is ignored
  }

  dispatch(events) {
    this.lastEventId = this.idBuffer;
    if (this.hasData) events.push({ type: this.type || 'message', data: this.data, lastEventId: this.lastEventId });
    this.type = '';
    this.data = '';
    this.hasData = false;
  }
}

/** The stream route answered something else than a 200 `text/event-stream`, and `onRefused` did not say to retry. */
export class EventStreamRefused extends Error {
  constructor(response) {
    super(`the event stream was refused: ${response.status} ${response.statusText ?? ''}`.trim());
    this.name = 'EventStreamRefused';
    this.status = response.status;
    this.response = response;
  }
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** A lost connection (the fetch failed, the body broke off, the stream went silent): reconnect. */
class Lost extends Error {
  constructor(cause) {
    super(cause?.message ?? String(cause));
    this.cause = cause;
  }
}
const lost = (promise) =>
  promise.catch((error) => {
    throw new Lost(error);
  });

/**
 * Follows an SSE stream until `signal` aborts, reconnecting as an EventSource does: after the stream
 * ends, after `retry` ms (the server's `retry:`, else `retryMs`), with `Last-Event-ID`; after a failure,
 * with a doubling wait up to `maxRetryMs`. A stream silent for `idleTimeoutMs` (no byte, not even a
 * heartbeat comment) counts as lost. `onEvent(event)` is awaited, one event at a time, in stream order.
 * A response that is not a 200 `text/event-stream` goes to `onRefused(response)`: it answers the ms to
 * wait before trying again, or throws to stop; without it, an `EventStreamRefused` is thrown.
 * `onError(error)` hears each lost connection. Whatever a callback throws stops it and is thrown.
 * Resolves once aborted.
 */
export async function followEventStream(options) {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const { signal, onEvent } = options;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  let lastEventId = options.lastEventId ?? '';
  let retryMs = options.retryMs ?? 1_000;
  let failures = 0;
  while (!signal?.aborted) {
    const attempt = new AbortController();
    const stop = () => attempt.abort(signal.reason);
    signal?.addEventListener('abort', stop, { once: true });
    let idle;
    let wait = retryMs;
    try {
      // No Cache-Control: a browser would have to ask a cross-origin server's CORS preflight for it.
      const headers = { accept: 'text/event-stream', ...options.headers };
      if (lastEventId !== '') headers['last-event-id'] = lastEventId;
      const response = await lost(doFetch(options.url, { headers, signal: attempt.signal }));
      if (response.status !== 200 || !/^text\/event-stream\b/i.test(response.headers.get('content-type') ?? '')) {
        failures++;
        if (!options.onRefused) {
          await response.body?.cancel().catch(() => undefined);
          throw new EventStreamRefused(response);
        }
        try {
          wait = await options.onRefused(response);
        } finally {
          await response.body?.cancel().catch(() => undefined);
        }
      } else {
        failures = 0;
        options.onOpen?.(response);
        if (!response.body) throw new Lost(new Error('the stream has no body'));
        const reader = response.body.getReader();
        // Cancelling the body ends the stream in every runtime, whether or not the fetch heeds its signal.
        const cancel = () => void reader.cancel(attempt.signal.reason).catch(() => undefined);
        attempt.signal.addEventListener('abort', cancel, { once: true });
        const armIdle = () => {
          clearTimeout(idle);
          const silent = () => attempt.abort(new Error(`the stream was silent for ${idleTimeoutMs} ms`));
          idle = setTimeout(silent, idleTimeoutMs);
        };
        armIdle();
        // ignoreBOM: the parser drops the one leading BOM itself, as the rules say.
        const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
        const parser = new SseParser({ lastEventId, onComment: options.onComment });
        for (;;) {
          const read = await lost(reader.read());
          if (signal?.aborted) break;
          if (attempt.signal.aborted) throw new Lost(attempt.signal.reason);
          if (read.done) break;
          armIdle();
          for (const event of parser.feed(decoder.decode(read.value, { stream: true }))) {
            if (signal?.aborted) break;
            await onEvent(event);
            lastEventId = event.lastEventId;
          }
          if (signal?.aborted) break;
          lastEventId = parser.lastEventId;
          if (parser.retry !== undefined) retryMs = parser.retry;
        }
        // The stream ended (the server closed it, or a proxy did): reconnect after `retry`.
        wait = retryMs;
      }
    } catch (error) {
      if (signal?.aborted) break;
      if (!(error instanceof Lost)) throw error;
      failures++;
      wait = Math.min(maxRetryMs, retryMs * 2 ** (failures - 1));
      await options.onError?.(error.cause);
    } finally {
      clearTimeout(idle);
      signal?.removeEventListener('abort', stop);
    }
    await sleep(Math.max(0, wait ?? Math.min(maxRetryMs, retryMs * 2 ** failures)), signal);
  }
}
