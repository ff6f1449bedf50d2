// `POST /~t/mcp`: an MCP server (Streamable HTTP, stateless, JSON answers) with three tools, search,
// fetch and do. Each tool call is run as the REST request it stands for, through the same router with
// the caller's own credential: auth, scopes, validation and problem+json have one implementation.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { IRequest } from 'itty-router';
import { MCP_TOOLS } from '../domain/mcp-tools';
import { NOUNS, nounByCollection, nounByName } from '../domain/nouns';
import { isPlainObject } from '../domain/validate';
import type { Env } from '../shared/env';
import { problem } from './problems';
import { tenantCall } from './tenant-call';

const SERVER_INFO = { name: 'headless-crm', version: '0.1.0' };

/** Answers a request through the REST routes (router.ts hands it in, so this file does not import the router). */
export type RouteFetch = (request: Request) => Promise<Response>;

/** What a tool call asks of the REST surface. */
interface RestCall {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
}

export async function mcpRoute(request: IRequest, env: Env, routes: RouteFetch): Promise<Response> {
  const tenant = request.params['tenant']!;
  const who = await tenantCall(request, env, tenant);
  if (!who.ok) return who.response;
  if (who.call.principal.kind !== 'admin') {
    const allowed = await who.log.check(who.call, 'read');
    if (!allowed.ok) return problem(allowed.error);
  }
  // Loaded on the first MCP call: evaluating the SDK (zod schemas) would slow every cold start.
  const { Server, WebStandardStreamableHTTPServerTransport, CallToolRequestSchema, ListToolsRequestSchema } =
    await sdk();
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false } },
    instructions: INSTRUCTIONS,
  });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: MCP_TOOLS.map((t) => ({ ...t })) }));
  server.setRequestHandler(CallToolRequestSchema, async ({ params }) => {
    const call = restCallOf(tenant, params.name, params.arguments ?? {});
    if ('error' in call) return toolError(await problem(call.error).json());
    return answerOf(await dispatch(request, routes, call));
  });
  // no session id: stateless
  const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
  await server.connect(transport);
  return transport.handleRequest(request);
}

const sdk = async () => ({
  ...(await import('@modelcontextprotocol/sdk/server/index.js')),
  ...(await import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js')),
  ...(await import('@modelcontextprotocol/sdk/types.js')),
});

// `Contact: qualify, capture, …`, read off the declarations.
const DECLARED_VERBS = NOUNS.flatMap((n) => {
  const verbs = Object.keys(n.verbs);
  return verbs.length ? [`${n.name}: ${verbs.join(', ')}`] : [];
}).join('; ');
const INSTRUCTIONS =
  'A CRM of Contacts, Organizations, Leads, Activities, Deals and Campaigns. Use search to list and find ' +
  '(filters, sort, full-text query), fetch to read one entity by id, do to create, update, delete and run verbs ' +
  `(${DECLARED_VERBS}) or a batch.`;

type Refusal = {
  error: { code: 'bad_request' | 'not_found'; message: string; errors?: { path: string; message: string }[] };
};

/** The REST request a tool call stands for, or why it names nothing. */
export function restCallOf(tenant: string, tool: string, args: Record<string, unknown>): RestCall | Refusal {
  const base = `/~${tenant}`;
  if (tool === 'search') return { method: 'POST', path: `${base}/query`, body: args };
  const verb = args['verb'];
  if (tool === 'do' && verb === 'batch') return { method: 'POST', path: `${base}/batch`, body: args['data'] };
  const type = args['type'];
  const noun = typeof type === 'string' ? (nounByName.get(type) ?? nounByCollection.get(type)) : undefined;
  if (!noun) return refuse('bad_request', 'type must name a noun, like Contact', '/type');
  const id = typeof args['id'] === 'string' && args['id'] !== '' ? encodeURIComponent(args['id']) : undefined;
  const collection = `${base}/${noun.collection}`;
  if (tool === 'fetch') {
    if (!id) return refuse('bad_request', 'fetch needs the id of the entity', '/id');
    const query = new URLSearchParams();
    const include = args['include'];
    if (include !== undefined) query.set('include', Array.isArray(include) ? include.join(',') : String(include));
    if (args['asOf'] !== undefined) query.set('asOf', String(args['asOf']));
    return { method: 'GET', path: `${collection}/${id}${query.size ? `?${query}` : ''}` };
  }
  if (tool !== 'do') return refuse('not_found', `no tool ${tool}; the tools are search, fetch and do`, '/name');
  if (typeof verb !== 'string') return refuse('bad_request', 'verb names what to do, like create or qualify', '/verb');
  const data = args['data'];
  const needsId = verb !== 'create' && verb !== 'capture';
  if (needsId && !id) return refuse('bad_request', `${verb} needs the id of a ${noun.name}`, '/id');
  if (!needsId && args['id'] !== undefined) return refuse('bad_request', `${verb} mints the id; send none`, '/id');
  switch (verb) {
    case 'create':
      return { method: 'POST', path: collection, body: data ?? {} };
    case 'update':
      return { method: 'PATCH', path: `${collection}/${id}`, body: data ?? {} };
    case 'delete':
      return { method: 'DELETE', path: `${collection}/${id}` };
    case 'capture':
      return { method: 'POST', path: `${collection}/capture`, body: data ?? {} };
    default:
      if (!/^[a-z][A-Za-z]*$/.test(verb) || !noun.verbs[verb])
        return refuse('not_found', `${noun.name} has no verb ${verb}`, '/verb');
      return {
        method: 'POST',
        path: `${collection}/${id}/${verb}`,
        ...(data === undefined || (isPlainObject(data) && !Object.keys(data).length && verb === 'qualify')
          ? {}
          : { body: data }),
      };
  }
}

function refuse(code: 'bad_request' | 'not_found', message: string, path: string): Refusal {
  return { error: { code, message, errors: [{ path, message }] } };
}

// The caller's credential and request id go along; nothing else of the MCP request does.
function dispatch(outer: Request, routes: RouteFetch, call: RestCall): Promise<Response> {
  const headers = new Headers({ accept: 'application/json' });
  for (const name of ['authorization', 'x-request-id']) {
    const value = outer.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  if (call.body !== undefined) headers.set('content-type', 'application/json');
  const url = new URL(call.path, outer.url);
  const init: RequestInit = {
    method: call.method,
    headers,
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
  };
  return routes(new Request(url, init));
}

async function answerOf(response: Response): Promise<CallToolResult> {
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (response.status >= 400 || !response.ok)
    return toolError(isPlainObject(body) ? body : { status: response.status, detail: text });
  const result = isPlainObject(body)
    ? body
    : { status: response.status, seq: Number(response.headers.get('x-event-seq') ?? 0) };
  return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
}

/** A refused call: an MCP tool error carrying the problem (status, detail, field errors). */
function toolError(problemBody: Record<string, unknown>): CallToolResult {
  const errors = Array.isArray(problemBody['errors'])
    ? (problemBody['errors'] as { path: string; message: string }[])
    : [];
  const lines = [
    `${problemBody['status']} ${problemBody['title'] ?? ''}: ${problemBody['detail'] ?? ''}`,
    ...errors.map((e) => `${e.path} ${e.message}`),
  ];
  return { isError: true, content: [{ type: 'text', text: lines.join('\n') }], structuredContent: problemBody };
}
