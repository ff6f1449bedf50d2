// headless-crm/client: a typed client of the CRM's HTTP API for Node ≥ 20, browsers and Workers.
// Plain ESM JavaScript (no build step for anyone); the types are in index.d.ts, read off the Noun
// declarations. `const $ = createClient({url, tenant, token})`, then `$.Contact.create({...})`,
// `$.Contact.qualify(id)`, `$.Contact.qualified((contact, $) => …)`, `$.events.subscribe(…)` (over SSE,
// client/sse.js, or by polling).
import { NOUN_MANIFEST } from './nouns.js';
import { followEventStream } from './sse.js';

/** A refused request: the RFC 9457 problem the API answered, with its status. */
export class CrmError extends Error {
  constructor(status, problem) {
    super(`${status} ${problem.title ?? ''}: ${problem.detail ?? ''}`.trim());
    this.name = 'CrmError';
    this.status = status;
    this.problem = problem;
    this.code = typeof problem.type === 'string' ? problem.type.slice(problem.type.lastIndexOf('/') + 1) : 'unknown';
    this.errors = problem.errors ?? [];
  }
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'DELETE']);
const RETRIED = new Set([429, 503]);
const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** The HTTP layer: auth, JSON, problems as CrmError, Retry-After on 429/503, an Idempotency-Key per write. */
function transportOf(options) {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const retries = options.retries ?? 3;
  const maxWaitMs = options.maxRetryWaitMs ?? 30_000;
  async function request(method, path, { body, query, headers = {}, raw = false } = {}) {
    const url = new URL(`${base}/~${options.tenant}${path}`);
    for (const [key, value] of Object.entries(query ?? {}))
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    const sent = { accept: 'application/json', authorization: `Bearer ${options.token}`, ...headers };
    // One key for every attempt of this write: a retry replays the first answer, it cannot duplicate.
    if (WRITE_METHODS.has(method)) sent['idempotency-key'] ??= globalThis.crypto.randomUUID();
    if (body !== undefined) sent['content-type'] = 'application/json';
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        response = await doFetch(url, {
          method,
          headers: sent,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        if (attempt >= retries) throw error;
        await sleep(Math.min(maxWaitMs, 250 * 2 ** attempt));
        continue;
      }
      if (RETRIED.has(response.status) && attempt < retries) {
        // No Retry-After is NaN (not 0): the backoff applies, never an immediate retry.
        const after = Number(response.headers.get('retry-after') ?? Number.NaN);
        await response.body?.cancel();
        await sleep(Math.min(maxWaitMs, Number.isFinite(after) && after >= 0 ? after * 1000 : 1000 * 2 ** attempt));
        continue;
      }
      if (raw) return response;
      const text = await response.text();
      const parsed = text ? JSON.parse(text) : undefined;
      if (response.status >= 300)
        throw new CrmError(response.status, parsed ?? { status: response.status, title: response.statusText });
      return { body: parsed, headers: response.headers, status: response.status };
    }
  }
  // What the stream transport needs to open its own long request.
  const url = (path) => new URL(`${base}/~${options.tenant}${path}`);
  request.stream = { url, fetch: doFetch, token: options.token };
  return request;
}

/** A page of a list: the entities, and the cursor of the next page (null at the end). */
function pageOf(body) {
  const page = [...body.data];
  Object.defineProperty(page, 'next', { value: body.next, enumerable: false });
  return page;
}

const participle = (event) => event[0].toLowerCase() + event.slice(1);

function nounClient(noun, request, client) {
  const path = (id, rest = '') => `/${noun.collection}${id === undefined ? '' : `/${encodeURIComponent(id)}`}${rest}`;
  const api = {
    /**
     * Lists from the read model: filter {field: value | {$op: value}}, sort, limit, cursor, include,
     * query (full text).
     */
    async find(filter = {}, options = {}) {
      const { sort, limit, cursor, include, query } = options;
      const body = {
        type: noun.name,
        filter,
        ...(sort ? { sort } : {}),
        ...(limit ? { limit } : {}),
        ...(cursor ? { cursor } : {}),
      };
      if (include) body.include = include;
      if (query) body.query = query;
      return pageOf((await request('POST', '/query', { body })).body);
    },
    /** One entity, strongly consistent; include related entities, or read it as of a seq or time. */
    async get(id, options = {}) {
      const include = options.include ? [options.include].flat().join(',') : undefined;
      return (await request('GET', path(id), { query: { include, asOf: options.asOf } })).body;
    },
    async create(data) {
      return (await request('POST', path(), { body: data })).body;
    },
    async update(id, data, options = {}) {
      const headers = options.ifMatch === undefined ? {} : { 'if-match': `"${options.ifMatch}"` };
      return (await request('PATCH', path(id), { body: data, headers })).body;
    },
    async delete(id) {
      await request('DELETE', path(id));
    },
    /** The entity's events (CloudEvents), merged sources included; {field} for one field's values over time. */
    async history(id, options = {}) {
      return (
        await request('GET', path(id, '/events'), {
          query: { after: options.after, limit: options.limit, field: options.field },
        })
      ).body.data;
    },
    /** The lead score's breakdown (contacts). */
    async score(id) {
      return (await request('GET', path(id, '/score'))).body;
    },
  };
  for (const [verb, event] of Object.entries(noun.verbs)) {
    if (verb === 'capture')
      api.capture = async (data) => (await request('POST', path(undefined, '/capture'), { body: data })).body;
    else
      api[verb] = async (id, data) => {
        const body =
          verb === 'assign' && typeof data === 'string'
            ? { owner: data }
            : verb === 'merge' && Array.isArray(data)
              ? { sources: data }
              : data;
        return (await request('POST', path(id, `/${verb}`), body === undefined ? {} : { body })).body;
      };
    api[participle(event)] = (handler, options) => hook(noun, event, handler, options);
  }
  for (const event of ['Created', 'Updated', 'Deleted'])
    api[participle(event)] = (handler, options) => hook(noun, event, handler, options);

  // A client-side after-hook: the handler gets the entity as of the event, the client, and the event.
  function hook(noun, event, handler, options = {}) {
    return client.events.subscribe({ ...options, types: [`${noun.name}.${event}`] }, async (e) => {
      const entity =
        event === 'Deleted' ? { $id: e.subject, $type: noun.name } : await api.get(e.subject, { asOf: e.seq });
      await handler(entity, client, e);
    });
  }
  return api;
}

/** A refusal that will not change by asking again (a bad filter, a wrong or revoked key, a lacking scope). */
const FINAL = new Set([400, 401, 403, 422]);
const isFinal = (error) => error instanceof CrmError && FINAL.has(error.status);

/**
 * Reads the log after a seq by polling GET /~t/events: 250 ms, backing off to 5 s while idle, at once while
 * pages are full. `follow` calls `onEvent` for each event after `after`, in seq order, until `signal` aborts.
 */
export function pollingEvents(request, options = {}) {
  const minWait = options.pollIntervalMs ?? 250;
  const maxWait = options.maxPollIntervalMs ?? 5_000;
  const source = {
    async head() {
      const { headers } = await request('GET', '/events', { query: { after: 0, limit: 1 } });
      return Number(headers.get('x-event-seq') ?? 0);
    },
    async next(after, limit) {
      const { body } = await request('GET', '/events', { query: { after, limit } });
      return body.data;
    },
  };
  source.follow = pollingFollow(source, minWait, maxWait);
  return source;
}

function pollingFollow(source, minWait, maxWait) {
  return async function follow({ after, signal, onEvent, onError }) {
    let cursor = after;
    let wait = minWait;
    while (!signal.aborted) {
      let events = [];
      try {
        events = await source.next(cursor, 100);
      } catch (error) {
        onError(error);
        if (isFinal(error)) return;
      }
      for (const event of events) {
        if (signal.aborted) return;
        await onEvent(event);
        cursor = event.seq;
      }
      if (events.length === 100) continue;
      wait = events.length ? minWait : Math.min(maxWait, wait * 2);
      await sleep(wait, signal);
    }
  };
}

/** The stream route is not there (404, 405, not `text/event-stream`): the subscription polls instead. */
class StreamUnsupported extends Error {}

/**
 * Follows GET /~t/events/stream (SSE): `id:` is the seq, so a reconnect sends `Last-Event-ID` and the stream
 * resumes right after the last event seen; `types` are filtered by the server. 429 and 503 wait `Retry-After`;
 * a lost connection reconnects after the stream's `retry:`, doubling while it fails.
 */
export function streamingEvents(request, options = {}) {
  const { url, fetch, token } = request.stream;
  return {
    async follow({ after, types, signal, onEvent, onError }) {
      const target = url('/events/stream');
      target.searchParams.set('after', String(after));
      if (types?.length) target.searchParams.set('types', types.join(','));
      let final;
      await followEventStream({
        url: target,
        fetch,
        signal,
        headers: { authorization: `Bearer ${token}` },
        retryMs: options.streamRetryMs ?? 1_000,
        maxRetryMs: options.maxStreamRetryMs ?? 30_000,
        idleTimeoutMs: options.streamIdleTimeoutMs ?? 45_000,
        onError,
        async onEvent(message) {
          let event;
          try {
            event = JSON.parse(message.data);
          } catch (error) {
            return onError(error);
          }
          await onEvent(event);
        },
        async onRefused(response) {
          const stream = /^text\/event-stream\b/i.test(response.headers.get('content-type') ?? '');
          if (response.status === 404 || response.status === 405 || (response.ok && !stream))
            throw new StreamUnsupported();
          const text = await response.text().catch(() => '');
          let problem;
          try {
            problem = JSON.parse(text);
          } catch {
            problem = { status: response.status, title: response.statusText, detail: text };
          }
          const error = new CrmError(response.status, problem);
          onError(error);
          if (isFinal(error)) {
            final = error;
            throw error;
          }
          const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
          const waits = RETRIED.has(response.status) && Number.isFinite(retryAfter) && retryAfter >= 0;
          return waits ? retryAfter * 1000 : undefined;
        },
      }).catch((error) => {
        if (error !== final) throw error;
      });
    },
  };
}

// The server's patterns: `Contact.Created`, `Contact.*`, `*.Created`, `*` (domain/type-patterns.ts).
const matches = (types, type) =>
  !types?.length ||
  types.some((pattern) => {
    if (pattern === '*') return true;
    const [noun, verb] = pattern.split('.');
    const [n, v] = [type.slice(0, type.indexOf('.')), type.slice(type.indexOf('.') + 1)];
    return (noun === '*' || noun === n) && (verb === '*' || verb === v);
  });

function eventsClient(request, options) {
  const custom = options.events;
  const poll = (source) => pollingFollow(source, options.pollIntervalMs ?? 250, options.maxPollIntervalMs ?? 5_000);
  const polling = custom ? { ...custom, follow: custom.follow ?? poll(custom) } : pollingEvents(request, options);
  const streaming = custom ? undefined : streamingEvents(request, options);
  // Once the server has shown it has no stream route, later subscriptions poll straight away.
  let streamUnsupported = false;
  return {
    async list({ after = 0, limit = 100 } = {}) {
      return polling.next(after, limit);
    },
    /**
     * Calls `handler(event)` for every event after `after` (a seq; default: from now on) whose type is in
     * `types` (`Contact.Qualified`, `Contact.*`, `*.Created`), in seq order, one at a time, each once.
     * Over SSE by default; `transport: 'poll'` polls. `lastSeq` is where to resume; `close()` stops it.
     */
    subscribe(filter, handler) {
      const controller = new AbortController();
      const state = { lastSeq: undefined, transport: undefined, close: () => controller.abort() };
      const onError = filter.onError ?? ((error) => console.error('headless-crm: subscriber', error));
      const wanted = filter.transport ?? options.transport ?? 'sse';
      state.ready = (async () => {
        state.lastSeq = filter.after === undefined || filter.after === 'now' ? await polling.head() : filter.after;
      })();
      // Exactly once, in seq order, whatever the transport replays after a reconnect.
      const onEvent = async (event) => {
        if (controller.signal.aborted || event.seq <= state.lastSeq) return;
        if (matches(filter.types, event.type))
          try {
            await handler(event);
          } catch (error) {
            onError(error, event);
          }
        state.lastSeq = event.seq;
      };
      state.done = (async () => {
        await state.ready;
        const follow = (source) =>
          source.follow({ after: state.lastSeq, types: filter.types, signal: controller.signal, onEvent, onError });
        if (streaming && wanted === 'sse' && !streamUnsupported) {
          state.transport = 'sse';
          try {
            return await follow(streaming);
          } catch (error) {
            if (!(error instanceof StreamUnsupported)) throw error;
            streamUnsupported = true;
          }
        }
        state.transport = 'poll';
        await follow(polling);
      })();
      return state;
    },
  };
}

/** `createClient({url, tenant, token})`: `$.Contact`, `$.Organization`, …, `$.events`. */
export function createClient(options) {
  if (!options?.url || !options.tenant || !options.token)
    throw new TypeError('createClient needs {url, tenant, token}');
  const request = transportOf(options);
  const client = { request };
  client.events = eventsClient(request, options);
  for (const noun of NOUN_MANIFEST) client[noun.name] = nounClient(noun, request, client);
  return client;
}
