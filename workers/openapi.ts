// `GET /openapi.json`: the OpenAPI 3.1 document, generated from the nouns (schemas by the one emitter,
// domain/json-schema.ts) and the routes. Noun routes are expanded per noun; the fixed routes are
// described once here, and test/openapi.test.ts fails when a route of the router is missing.
import { jsonSchemaOf, verbBodySchema, type JsonSchema } from '../domain/json-schema';
import { MCP_TOOLS } from '../domain/mcp-tools';
import type { NounSchema } from '../domain/noun';
import { Contact, NOUNS, Organization } from '../domain/nouns';
import { PROBLEMS } from './problems';

type Operation = Record<string, unknown>;
type Paths = Record<string, Record<string, Operation>>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const body = (schema: JsonSchema, required = true) => ({ required, content: json(schema) });

// Which problems an operation may answer, by kind of route.
// The paths of one Contact or Organization, by their declared collection (as in workers/router.ts).
const CONTACT = `/~{tenant}/${Contact.collection}/{id}`;
const ORGANIZATION = `/~{tenant}/${Organization.collection}/{id}`;
const READ_PROBLEMS = [400, 401, 403, 404, 429];
const WRITE_PROBLEMS = [400, 401, 403, 404, 409, 410, 412, 413, 415, 422, 429];
const LIST_PROBLEMS = [400, 401, 403, 404, 422, 429, 503];

function op(
  summary: string,
  tag: string,
  ok: Record<string, unknown>,
  problems: number[],
  more: Operation = {},
): Operation {
  const responses: Record<string, unknown> = { ...ok };
  for (const status of problems) responses[String(status)] = { $ref: `#/components/responses/Problem${status}` };
  return { summary, tags: [tag], ...more, responses };
}

const answer = (description: string, schema?: JsonSchema, headers: string[] = []) => ({
  description,
  ...(schema ? { content: json(schema) } : {}),
  ...(headers.length
    ? { headers: Object.fromEntries(headers.map((h) => [h, { $ref: `#/components/headers/${h}` }])) }
    : {}),
});

function nounPaths(noun: NounSchema): Paths {
  const base = `/~{tenant}/${noun.collection}`;
  const tag = noun.name;
  const entity = (description: string, status = '200') => ({
    [status]: answer(description, ref(noun.name), ['ETag', 'X-Event-Seq']),
  });
  const filters = Object.entries(noun.fields)
    .filter(([, f]) => f.kind !== 'inverse')
    .map(([key, spec]) => ({
      name: key,
      in: 'query',
      required: false,
      description: `${key} equals; also ${key}[ne|gt|gte|lt|lte|in|nin|exists]=…`,
      schema: spec.kind === 'inverse' ? {} : { type: 'string' },
    }));
  const paths: Paths = {
    [base]: {
      get: op(
        `List ${noun.collection} (read model)`,
        tag,
        { '200': answer('a page', ref(`${noun.name}List`), ['X-Projection-Seq']) },
        LIST_PROBLEMS,
        {
          operationId: `list${noun.name}`,
          parameters: [
            param('tenant'),
            ...filters,
            param('q'),
            param('sort'),
            param('limit'),
            param('cursor'),
            param('include'),
            param('X-Min-Seq'),
          ],
        },
      ),
      post: op(`Create a ${noun.name}`, tag, { ...entity('created', '201'), ...{} }, WRITE_PROBLEMS, {
        operationId: `create${noun.name}`,
        parameters: [param('tenant'), param('Idempotency-Key')],
        requestBody: body(ref(`${noun.name}Create`)),
      }),
    },
    [`${base}/{id}`]: {
      get: op(
        `Read a ${noun.name} (strongly consistent)`,
        tag,
        { ...entity('the entity'), '308': { $ref: '#/components/responses/Merged' } },
        [...READ_PROBLEMS, 410],
        {
          operationId: `get${noun.name}`,
          parameters: [param('tenant'), param('id'), param('include'), param('asOf')],
        },
      ),
      patch: op(`Update a ${noun.name} (partial; null clears)`, tag, entity('updated'), WRITE_PROBLEMS, {
        operationId: `update${noun.name}`,
        parameters: [param('tenant'), param('id'), param('If-Match'), param('Idempotency-Key')],
        requestBody: body(ref(`${noun.name}Update`)),
      }),
      delete: op(
        `Delete a ${noun.name}`,
        tag,
        { '204': answer('deleted', undefined, ['X-Event-Seq']) },
        WRITE_PROBLEMS,
        {
          operationId: `delete${noun.name}`,
          parameters: [param('tenant'), param('id'), param('If-Match'), param('Idempotency-Key')],
        },
      ),
    },
    [`${base}/{id}/events`]: {
      get: op(
        `The history of one ${noun.name} (merged sources included); ?field= for one field over time`,
        tag,
        { '200': answer("events, or one field's values", { anyOf: [ref('EventPage'), ref('FieldHistory')] }) },
        READ_PROBLEMS,
        {
          operationId: `history${noun.name}`,
          parameters: [
            param('tenant'),
            param('id'),
            param('after'),
            param('eventLimit'),
            { name: 'field', in: 'query', schema: { type: 'string' } },
          ],
        },
      ),
    },
  };
  for (const verb of Object.keys(noun.verbs)) {
    const path = verb === 'capture' ? `${base}/capture` : `${base}/{id}/${verb}`;
    const capture = verb === 'capture';
    paths[path] = {
      post: op(
        `${verb} (${noun.name}.${noun.verbs[verb]})`,
        tag,
        capture
          ? { ...entity('created with a Lead', '201'), ...entity('matched an existing contact') }
          : entity(`the ${noun.name}`),
        WRITE_PROBLEMS,
        {
          operationId: `${verb}${noun.name}`,
          parameters: [param('tenant'), ...(capture ? [] : [param('id')]), param('Idempotency-Key')],
          requestBody: body(ref(`${noun.name}${verb[0]!.toUpperCase()}${verb.slice(1)}`), verb !== 'qualify'),
        },
      ),
    };
  }
  return paths;
}

const object = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
});
const anything = { type: 'object', additionalProperties: true };

const NDJSON = { 'application/x-ndjson': { schema: { type: 'string' } } };
const CHECKPOINT = object(
  {
    tenant: { type: 'string' },
    seq: { type: 'integer' },
    hash: { type: 'string' },
    time: { type: 'string' },
    keyId: { type: 'string' },
    signature: { type: 'string' },
  },
  ['tenant', 'seq', 'hash', 'time', 'keyId', 'signature'],
);

function fixedPaths(): Paths {
  const t = [param('tenant')];
  const tid = [param('tenant'), param('id')];
  const ok = (description: string, schema: JsonSchema = anything, status = '200', headers: string[] = []) => ({
    [status]: answer(description, schema, headers),
  });
  return {
    '/': { get: op('The service: name, version and links', 'Service', ok('the service'), [], {}) },
    '/health': { get: op('Liveness', 'Service', ok('ok'), [], {}) },
    '/~{tenant}/keys': {
      get: op(
        'List API keys (admin)',
        'Keys',
        ok('keys', object({ data: { type: 'array', items: ref('ApiKey') }, next: { type: 'null' } })),
        READ_PROBLEMS,
        { parameters: t },
      ),
      post: op(
        'Create an API key (admin); the secret is shown once',
        'Keys',
        ok('the key and its secret', ref('ApiKey'), '201'),
        WRITE_PROBLEMS,
        { parameters: t, requestBody: body(ref('ApiKeyRequest')) },
      ),
    },
    '/~{tenant}/keys/{id}': {
      delete: op('Revoke an API key (admin)', 'Keys', { '204': answer('revoked') }, READ_PROBLEMS, { parameters: tid }),
    },
    '/~{tenant}/events': {
      get: op(
        'The log as CloudEvents, after a seq',
        'Events',
        ok('a page of events', ref('EventPage'), '200', ['X-Event-Seq']),
        READ_PROBLEMS,
        {
          parameters: [
            ...t,
            param('after'),
            param('eventLimit'),
            param('types'),
            {
              name: 'type',
              in: 'query',
              schema: { type: 'string' },
              description: 'one event type, like Contact.Qualified',
            },
          ],
        },
      ),
    },
    '/~{tenant}/events/stream': {
      get: op(
        'Live events as Server-Sent Events (backlog after ?after or Last-Event-ID, then live)',
        'Events',
        {
          '200': {
            description: 'id = seq, event = type, data = the CloudEvent; a heartbeat comment every 15 s',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
        READ_PROBLEMS,
        {
          parameters: [
            ...t,
            param('after'),
            param('types'),
            { name: 'Last-Event-ID', in: 'header', schema: { type: 'string' } },
          ],
        },
      ),
    },
    '/~{tenant}/events/ws': {
      get: op(
        'Live events over a WebSocket: send {"subscribe": {"after", "types"}}, receive one CloudEvent per message',
        'Events',
        { '101': answer('switching protocols') },
        READ_PROBLEMS,
        { parameters: t },
      ),
    },
    '/~{tenant}/webhooks': {
      get: op(
        'List webhook subscriptions (admin)',
        'Webhooks',
        ok('subscriptions', object({ data: { type: 'array', items: ref('Webhook') } })),
        READ_PROBLEMS,
        { parameters: t },
      ),
      post: op(
        'Subscribe a URL to event types (admin); the whsec_ secret is shown once',
        'Webhooks',
        ok('the subscription and its secret', ref('Webhook'), '201'),
        WRITE_PROBLEMS,
        {
          parameters: [...t, param('Idempotency-Key')],
          requestBody: body(ref('WebhookRequest')),
        },
      ),
    },
    '/~{tenant}/webhooks/{id}': {
      get: op('A webhook subscription (admin)', 'Webhooks', ok('the subscription', ref('Webhook')), READ_PROBLEMS, {
        parameters: tid,
      }),
      patch: op(
        'Change, disable, enable or rotate the secret of a subscription (admin)',
        'Webhooks',
        ok('the subscription', ref('Webhook')),
        WRITE_PROBLEMS,
        {
          parameters: [...tid, param('Idempotency-Key')],
          requestBody: body(anything),
        },
      ),
      delete: op('Delete a subscription (admin)', 'Webhooks', { '204': answer('deleted') }, WRITE_PROBLEMS, {
        parameters: tid,
      }),
    },
    '/~{tenant}/webhooks/{id}/deliveries': {
      get: op(
        'Deliveries of a subscription: status, attempts, last response, next try (admin)',
        'Webhooks',
        ok('deliveries'),
        READ_PROBLEMS,
        { parameters: [...tid, param('limit'), param('cursor')] },
      ),
    },
    '/~{tenant}/webhooks/{id}/deliveries/{deliveryId}/redeliver': {
      post: op('Send a delivery again (admin)', 'Webhooks', ok('queued', anything, '202'), WRITE_PROBLEMS, {
        parameters: [...tid, { name: 'deliveryId', in: 'path', required: true, schema: { type: 'string' } }],
      }),
    },
    '/~{tenant}/audit/verify': {
      get: op('Verify the hash chain (in bounded runs)', 'Audit', ok('the verdict'), READ_PROBLEMS, {
        parameters: [...t, { name: 'from', in: 'query', schema: { type: 'integer' } }, param('eventLimit')],
      }),
    },
    // Replay and audit (issue 10; docs/replay.md).
    '/audit/keys': {
      get: op(
        'The public keys that verify audit checkpoints, as JWK',
        'Audit',
        ok('keys', object({ keys: { type: 'array', items: anything } })),
        [],
        {},
      ),
    },
    '/~{tenant}/audit/checkpoint': {
      get: op(
        'A signed checkpoint of the chain head (admin): Ed25519 over {hash, keyId, seq, tenant, time}',
        'Audit',
        ok('the checkpoint', CHECKPOINT),
        READ_PROBLEMS,
        { parameters: t },
      ),
    },
    '/~{tenant}/export': {
      get: op(
        'The whole log as NDJSON CloudEvents in seq order, streamed (admin)',
        'Audit',
        { '200': { description: 'one CloudEvent per line', content: NDJSON } },
        READ_PROBLEMS,
        {
          parameters: [...t, param('after')],
        },
      ),
    },
    '/~{tenant}/import': {
      post: op(
        'Restore an export into an empty tenant (admin), verified and folded as it streams; all or nothing',
        'Audit',
        ok('imported', object({ imported: { type: 'integer' }, head: anything })),
        WRITE_PROBLEMS,
        {
          parameters: t,
          requestBody: { required: true, content: NDJSON },
        },
      ),
    },
    [`${CONTACT}/erase`]: {
      post: op(
        'GDPR erasure of a contact (admin): redacted everywhere, a chained record names what',
        'Audit',
        ok('what was redacted'),
        WRITE_PROBLEMS,
        { parameters: tid },
      ),
    },
    '/~{tenant}/query': {
      post: op(
        "The spec's MCP query form",
        'Query',
        ok('a page', object({ data: { type: 'array', items: anything }, next: { type: ['string', 'null'] } }), '200', [
          'X-Projection-Seq',
        ]),
        LIST_PROBLEMS,
        {
          parameters: [...t, param('X-Min-Seq')],
          requestBody: body(ref('Query')),
        },
      ),
    },
    '/~{tenant}/projections/status': {
      get: op('Read-model checkpoint, head and lag', 'Projections', ok('status'), READ_PROBLEMS, { parameters: t }),
    },
    '/~{tenant}/projections/rebuild': {
      post: op(
        'Rebuild the read model beside the live one (admin)',
        'Projections',
        ok('started', anything, '202'),
        READ_PROBLEMS,
        { parameters: t },
      ),
    },
    [`${CONTACT}/managers`]: {
      get: op("A contact's chain of managers", 'Graphs', ok('managers'), LIST_PROBLEMS, { parameters: tid }),
    },
    [`${CONTACT}/reports`]: {
      get: op("A contact's reports, to a depth", 'Graphs', ok('reports'), LIST_PROBLEMS, {
        parameters: [
          ...tid,
          { name: 'depth', in: 'query', schema: { type: 'string' } },
          param('limit'),
          param('cursor'),
        ],
      }),
    },
    [`${ORGANIZATION}/contacts`]: {
      get: op("An organization's people, with counts by role and stage", 'Graphs', ok('the committee'), LIST_PROBLEMS, {
        parameters: tid,
      }),
    },
    [`${ORGANIZATION}/chart`]: {
      get: op("An organization's chart", 'Graphs', ok('the chart'), LIST_PROBLEMS, { parameters: tid }),
    },
    '/~{tenant}/settings': {
      get: op('Tenant settings', 'Settings', ok('settings', anything, '200', ['ETag', 'X-Event-Seq']), READ_PROBLEMS, {
        parameters: t,
      }),
      patch: op(
        'Change tenant settings (admin)',
        'Settings',
        ok('settings', anything, '200', ['ETag', 'X-Event-Seq']),
        WRITE_PROBLEMS,
        { parameters: [...t, param('Idempotency-Key')], requestBody: body(anything) },
      ),
    },
    '/~{tenant}/batch': {
      post: op(
        'Up to 1,000 writes; atomic: all or nothing',
        'Batch',
        ok('one result per operation', ref('BatchResults'), '200', ['X-Event-Seq']),
        WRITE_PROBLEMS,
        {
          parameters: [...t, param('Idempotency-Key')],
          requestBody: body(ref('Batch')),
        },
      ),
    },
    '/~{tenant}/mcp': {
      post: op(
        'MCP (Streamable HTTP, stateless, JSON answers): tools search, fetch, do',
        'MCP',
        { ...ok('a JSON-RPC answer', anything), '202': answer('a notification, accepted') },
        [401, 403],
        {
          parameters: t,
          requestBody: body(anything),
          'x-mcp-tools': MCP_TOOLS.map((tool) => tool.name),
        },
      ),
    },
    '/~{tenant}/hooks': {
      get: op('After-hook jobs by status', 'Settings', ok('counts'), READ_PROBLEMS, { parameters: t }),
    },
    [`${CONTACT}/score`]: {
      get: op("The lead score's breakdown", Contact.name, ok('the score'), [...READ_PROBLEMS, 410], {
        parameters: tid,
      }),
    },
    [`${CONTACT}/provenance`]: {
      get: op('Where each enriched field came from', Contact.name, ok('provenance'), [...READ_PROBLEMS, 410], {
        parameters: tid,
      }),
    },
  };
}

const PARAMETERS = {
  tenant: {
    name: 'tenant',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
  },
  id: { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
  include: {
    name: 'include',
    in: 'query',
    description: 'related entities, comma-separated (references and inverses)',
    schema: { type: 'string' },
  },
  asOf: {
    name: 'asOf',
    in: 'query',
    description: 'a seq or an ISO date-time: the entity as it was then',
    schema: { type: 'string' },
  },
  q: {
    name: 'q',
    in: 'query',
    description: 'full-text search (names, emails, titles, …; prefix matching, accents ignored, ranked)',
    schema: { type: 'string', maxLength: 200 },
  },
  sort: {
    name: 'sort',
    in: 'query',
    description: 'fields, comma-separated; -field descends',
    schema: { type: 'string' },
  },
  limit: { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
  cursor: { name: 'cursor', in: 'query', description: 'the `next` of the previous page', schema: { type: 'string' } },
  after: { name: 'after', in: 'query', description: 'events after this seq', schema: { type: 'integer', minimum: 0 } },
  types: {
    name: 'types',
    in: 'query',
    description: 'type patterns, comma-separated: Contact.*, *.Created',
    schema: { type: 'string' },
  },
  eventLimit: { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
  'If-Match': {
    name: 'If-Match',
    in: 'header',
    description: 'the ETag read; 412 when it moved on',
    schema: { type: 'string' },
  },
  'Idempotency-Key': {
    name: 'Idempotency-Key',
    in: 'header',
    description: 'a retry with the same key replays the first answer',
    schema: { type: 'string', maxLength: 255 },
  },
  'X-Min-Seq': {
    name: 'X-Min-Seq',
    in: 'header',
    description: 'wait until the read model reached this seq (503 after 10 s)',
    schema: { type: 'string' },
  },
};

const HEADERS = {
  ETag: { description: 'the entity version, "n"', schema: { type: 'string' } },
  'X-Event-Seq': { description: 'the seq of the log after this answer', schema: { type: 'string' } },
  'X-Projection-Seq': { description: 'the seq the read model answered at', schema: { type: 'string' } },
  'Retry-After': { description: 'seconds', schema: { type: 'string' } },
};

function schemas(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details',
      properties: {
        type: { type: 'string', enum: Object.keys(PROBLEMS).map((code) => `https://crm.headless.ly/problems/${code}`) },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        errors: {
          type: 'array',
          items: object({ path: { type: 'string' }, message: { type: 'string' } }, ['path', 'message']),
        },
        errorCount: { type: 'integer' },
      },
      required: ['type', 'title', 'status', 'detail'],
    },
    CloudEvent: {
      type: 'object',
      required: ['specversion', 'id', 'source', 'type', 'time', 'seq'],
      properties: {
        specversion: { const: '1.0' },
        id: { type: 'string' },
        source: { type: 'string' },
        type: { type: 'string' },
        time: { type: 'string' },
        subject: { type: 'string' },
        seq: { type: 'integer' },
        data: {},
      },
    },
    EventPage: object({ data: { type: 'array', items: ref('CloudEvent') }, next: { type: ['string', 'null'] } }, [
      'data',
      'next',
    ]),
    FieldHistory: object({ field: { type: 'string' }, data: { type: 'array', items: anything } }, ['field', 'data']),
    Query: object(
      {
        type: { enum: NOUNS.map((n) => n.name) },
        filter: anything,
        sort: { type: ['object', 'string'] },
        limit: { type: 'integer' },
        cursor: { type: 'string' },
        include: { type: 'array', items: { type: 'string' } },
        query: { type: 'string' },
      },
      ['type'],
    ),
    Batch: object(
      {
        atomic: { type: 'boolean' },
        operations: {
          type: 'array',
          minItems: 1,
          maxItems: 1000,
          items: object({ type: { type: 'string' }, verb: { type: 'string' }, id: { type: 'string' }, data: {} }, [
            'type',
            'verb',
          ]),
        },
      },
      ['operations'],
    ),
    BatchResults: object(
      {
        atomic: { type: 'boolean' },
        results: { type: 'array', items: object({ status: { type: 'integer' }, body: {} }, ['status']) },
      },
      ['results'],
    ),
    Webhook: object({
      id: { type: 'string' },
      url: { type: 'string' },
      types: { type: 'array', items: { type: 'string' } },
      description: { type: 'string' },
      status: { type: 'string' },
      secret: { type: 'string' },
    }),
    WebhookRequest: object(
      {
        url: { type: 'string', format: 'uri' },
        types: { type: 'array', items: { type: 'string' } },
        description: { type: 'string' },
        retryDelays: { type: 'array', items: { type: 'integer' } },
      },
      ['url'],
    ),
    ApiKey: object({
      id: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'array', items: { enum: ['read', 'write', 'admin'] } },
      key: { type: 'string' },
    }),
    ApiKeyRequest: object(
      {
        name: { type: 'string' },
        scopes: { type: 'array', items: { enum: ['read', 'write', 'admin'] } },
        rateLimit: { type: 'integer' },
      },
      ['name', 'scopes'],
    ),
  };
  for (const noun of NOUNS) {
    out[noun.name] = jsonSchemaOf(noun, 'representation');
    out[`${noun.name}Create`] = jsonSchemaOf(noun, 'create');
    out[`${noun.name}Update`] = jsonSchemaOf(noun, 'update');
    out[`${noun.name}List`] = object(
      { data: { type: 'array', items: ref(noun.name) }, next: { type: ['string', 'null'] } },
      ['data', 'next'],
    );
    for (const verb of Object.keys(noun.verbs))
      out[`${noun.name}${verb[0]!.toUpperCase()}${verb.slice(1)}`] = verbBodySchema(noun, verb);
  }
  return out;
}

function problemResponses(): Record<string, unknown> {
  const byStatus = new Map<number, string[]>();
  for (const [code, { status }] of Object.entries(PROBLEMS))
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  const out: Record<string, unknown> = {};
  for (const [status, codes] of byStatus) {
    if (status < 400) continue;
    out[`Problem${status}`] = {
      description: codes.map((c) => PROBLEMS[c as keyof typeof PROBLEMS].title).join(' | '),
      content: { 'application/problem+json': { schema: ref('Problem') } },
      ...(status === 429 || status === 503
        ? { headers: { 'Retry-After': { $ref: '#/components/headers/Retry-After' } } }
        : {}),
    };
  }
  out['Merged'] = {
    description: 'merged: Location names the entity it was merged into',
    content: { 'application/problem+json': { schema: ref('Problem') } },
  };
  return out;
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Headless CRM',
      version: '0.1.0',
      description:
        'Event-sourced CRM: Contacts and the organizations, leads, activities, deals and campaigns they touch. ' +
        'Generated from the Noun declarations.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      ...NOUNS.map((n) => ({ name: n.name })),
      ...['Query', 'Graphs', 'Batch', 'Events', 'Audit', 'Projections', 'Settings', 'Keys', 'MCP'].map((name) => ({
        name,
      })),
    ],
    paths: { ...Object.assign({}, ...NOUNS.map(nounPaths)), ...fixedPaths() },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'the admin token, or a tenant key crm_{tenant}_…' },
      },
      parameters: PARAMETERS,
      headers: HEADERS,
      responses: problemResponses(),
      schemas: schemas(),
    },
  };
  return cached;
}

export const openApiRoute = (): Response =>
  new Response(JSON.stringify(openApiDocument()), {
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
  });
