// Graphs from the read model: `/contacts/{id}/managers`, `/contacts/{id}/reports?depth=n|all`,
// `/organizations/{id}/contacts` (the buying committee: a list page plus counts by role and stage),
// `/organizations/{id}/chart` (parents, subsidiary tree, people as a manager forest).
import type { IRequest } from 'itty-router';
import { Contact, Organization } from '../domain/nouns';
import { encodeCursor } from './cursor';
import { MAX_DEPTH, type GraphQuery } from '../projections/graphs';
import { listQueryFromParams } from './query-forms';
import { parseCursor, parseLimit } from './query-parse';
import { failureAnswer } from './answers';
import type { Env } from '../shared/env';
import { badRequest, problem } from './problems';
import { authorizeReader, projectionAnswer, serveFromReadModel } from './read-model-call';

export const REPORTS_DEFAULT_LIMIT = 1_000;
export const REPORTS_MAX_LIMIT = 10_000;
const DEPTH_SORT = [{ field: '$depth', desc: false }];

type Route = (request: IRequest, env: Env) => Promise<Response> | Response;

// The caller is checked before the query string is read.
const authorized =
  (route: Route): Route =>
  async (request, env) =>
    (await authorizeReader(request, env, request.params['tenant']!, 'read')) ?? route(request, env);

export const contactManagers = authorized((request, env) =>
  graph(request, env, { kind: 'managers', id: request.params['id']! }),
);

export const contactReports = authorized((request, env) => {
  const params = new URL(request.url).searchParams;
  const depthText = params.get('depth') ?? '1';
  const depth = depthText === 'all' ? MAX_DEPTH : Number(depthText);
  if (!/^\d+$/.test(depthText) && depthText !== 'all')
    return badRequest('depth is a whole number or all', [{ path: '?depth', message: 'invalid' }]);
  if (depth < 1 || depth > MAX_DEPTH)
    return badRequest(`depth is from 1 to ${MAX_DEPTH}, or all`, [{ path: '?depth', message: 'out of range' }]);
  const limit = parseLimit(params.get('limit'), true, REPORTS_MAX_LIMIT, REPORTS_DEFAULT_LIMIT, '?limit');
  if (!limit.ok) return problem(limit.error);
  const after = parseCursor(DEPTH_SORT, params.get('cursor'), '?cursor');
  if (!after.ok) return problem(after.error);
  return graph(request, env, {
    kind: 'reports',
    id: request.params['id']!,
    depth,
    limit: limit.value,
    ...(after.value ? { after: after.value } : {}),
  });
});

export const organizationContacts = authorized((request, env) => {
  const list = listQueryFromParams(Contact, new URL(request.url).searchParams);
  if (!list.ok) return problem(list.error);
  return graph(request, env, { kind: 'committee', id: request.params['id']!, list: list.value });
});

export const organizationChart = authorized((request, env) =>
  graph(request, env, { kind: 'chart', id: request.params['id']! }),
);

async function graph(request: IRequest, env: Env, query: GraphQuery): Promise<Response> {
  const tenant = request.params['tenant']!;
  const url = new URL(request.url);
  const collection =
    query.kind === 'managers' || query.kind === 'reports' ? Contact.collection : Organization.collection;
  const route = url.pathname.slice(url.pathname.lastIndexOf('/'));
  const locate = (id: string) => `/~${tenant}/${collection}/${id}${route}${url.search}`;
  const served = await serveFromReadModel(
    request,
    env,
    tenant,
    (model, minSeq) => model.graph(tenant, query, minSeq),
    (r) => failureAnswer(r, locate),
  );
  if (!served.ok) return served.response;
  const sort = query.kind === 'committee' ? query.list.sort : DEPTH_SORT;
  const { next, ...rest } = served.value;
  return projectionAnswer({ ...rest, next: next ? encodeCursor(sort, next) : null }, served.seq);
}
