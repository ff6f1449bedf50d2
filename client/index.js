// headless-crm/client: a typed client of the CRM's HTTP API for Node ≥ 20, browsers and Workers.
// Plain ESM JavaScript (no build step for anyone); the types are in index.d.ts, read off the Noun
// declarations. `const $ = createClient({url, tenant, token})`, then `$.Contact.create({...})`,
// `$.Contact.qualify(id)`, `$.Contact.qualified((contact, $) => …)`, `$.events.subscribe(…)`.
import { NOUN_MANIFEST } from './nouns.js';

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
  return async function request(method, path, { body, query, headers = {}, raw = false } = {}) {
    const url = new URL(`${base}/~${options.tenant}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    const sent = { accept: 'application/json', authorization: `Bearer ${options.token}`, ...headers };
    // One key for every attempt of this write: a retry replays the first answer, it cannot duplicate.
    if (WRITE_METHODS.has(method)) sent['idempotency-key'] ??= globalThis.crypto.randomUUID();
    if (body !== undefined) sent['content-type'] = 'application/json';
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        response = await doFetch(url, { method, headers: sent, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      } catch (error) {
        if (attempt >= retries) throw error;
        await sleep(Math.min(maxWaitMs, 250 * 2 ** attempt));
        continue;
      }
      if (RETRIED.has(response.status) && attempt < retries) {
        const after = Number(response.headers.get('retry-after'));
        await response.body?.cancel();
        await sleep(Math.min(maxWaitMs, Number.isFinite(after) && after >= 0 ? after * 1000 : 1000 * 2 ** attempt));
        continue;
      }
      if (raw) return response;
      const text = await response.text();
      const parsed = text ? JSON.parse(text) : undefined;
      if (response.status >= 300) throw new CrmError(response.status, parsed ?? { status: response.status, title: response.statusText });
      return { body: parsed, headers: response.headers, status: response.status };
    }
  };
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
    /** Lists from the read model: filter {field: value | {$op: value}}, sort, limit, cursor, include, query (full text). */
    async find(filter = {}, options = {}) {
      const { sort, limit, cursor, include, query } = options;
      const body = { type: noun.name, filter, ...(sort ? { sort } : {}), ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) };
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
      return (await request('GET', path(id, '/events'), { query: { after: options.after, limit: options.limit, field: options.field } })).body.data;
    },
    /** The lead score's breakdown (contacts). */
    async score(id) {
      return (await request('GET', path(id, '/score'))).body;
    },
  };
  for (const [verb, event] of Object.entries(noun.verbs)) {
    if (verb === 'capture') api.capture = async (data) => (await request('POST', path(undefined, '/capture'), { body: data })).body;
    else
      api[verb] = async (id, data) => {
        const body = verb === 'assign' && typeof data === 'string' ? { owner: data } : verb === 'merge' && Array.isArray(data) ? { sources: data } : data;
        return (await request('POST', path(id, `/${verb}`), body === undefined ? {} : { body })).body;
      };
    api[participle(event)] = (handler, options) => hook(noun, event, handler, options);
  }
  for (const event of ['Created', 'Updated', 'Deleted']) api[participle(event)] = (handler, options) => hook(noun, event, handler, options);

  // A client-side after-hook: the handler gets the entity as of the event, the client, and the event.
  function hook(noun, event, handler, options = {}) {
    return client.events.subscribe({ ...options, types: [`${noun.name}.${event}`] }, async (e) => {
      const entity = event === 'Deleted' ? { $id: e.subject, $type: noun.name } : await api.get(e.subject, { asOf: e.seq });
      await handler(entity, client, e);
    });
  }
  return api;
}

/** Reads the log after a seq by polling GET /~t/events; the stream transport can take its place. */
export function pollingEvents(request) {
  return {
    async head() {
      const { headers } = await request('GET', '/events', { query: { after: 0, limit: 1 } });
      return Number(headers.get('x-event-seq') ?? 0);
    },
    async next(after, limit) {
      const { body } = await request('GET', '/events', { query: { after, limit } });
      return body.data;
    },
  };
}

const matches = (types, type) => !types || types.some((t) => t === type || (t.endsWith('*') && type.startsWith(t.slice(0, -1))));

function eventsClient(request, options) {
  const source = options.events ?? pollingEvents(request);
  const minWait = options.pollIntervalMs ?? 250;
  const maxWait = options.maxPollIntervalMs ?? 5_000;
  return {
    async list({ after = 0, limit = 100 } = {}) {
      return source.next(after, limit);
    },
    /**
     * Calls `handler(event)` for every event after `after` (a seq; default: from now on) whose type is in
     * `types` (`Contact.Qualified`, or `Contact.*`), in seq order, one at a time. `lastSeq` is where to
     * resume; `close()` stops it.
     */
    subscribe(filter, handler) {
      const controller = new AbortController();
      const state = { lastSeq: undefined, close: () => controller.abort() };
      const onError = filter.onError ?? ((error) => console.error('headless-crm: subscriber', error));
      state.ready = (async () => {
        state.lastSeq = filter.after === undefined || filter.after === 'now' ? await source.head() : filter.after;
      })();
      state.done = (async () => {
        await state.ready;
        let wait = minWait;
        while (!controller.signal.aborted) {
          let events = [];
          try {
            events = await source.next(state.lastSeq, 100);
          } catch (error) {
            onError(error);
          }
          for (const event of events) {
            if (controller.signal.aborted) break;
            if (matches(filter.types, event.type))
              try {
                await handler(event);
              } catch (error) {
                onError(error, event);
              }
            state.lastSeq = event.seq;
          }
          if (events.length === 100) continue;
          wait = events.length ? minWait : Math.min(maxWait, wait * 2);
          await sleep(wait, controller.signal);
        }
      })();
      return state;
    },
  };
}

/** `createClient({url, tenant, token})`: `$.Contact`, `$.Organization`, …, `$.events`. */
export function createClient(options) {
  if (!options?.url || !options.tenant || !options.token) throw new TypeError('createClient needs {url, tenant, token}');
  const request = transportOf(options);
  const client = { request };
  client.events = eventsClient(request, options);
  for (const noun of NOUN_MANIFEST) client[noun.name] = nounClient(noun, request, client);
  return client;
}
