// Listing from the read model: `GET /~t/contacts?stage=Qualified&leadScore[gte]=40&sort=-leadScore&limit=50&cursor=…`
// and the spec's MCP form `POST /~t/query {type, filter, sort, limit, cursor}`.
import type { IRequest } from 'itty-router';
import { encodeCursor } from './cursor';
import { nounOf } from './noun-route';
import type { ListQuery } from '../projections/list-query';
import { listQueryFromJson, listQueryFromParams } from './query-forms';
import type { Env } from '../shared/env';
import { problem } from './problems';
import { authorizeReader, projectionAnswer, serveFromReadModel } from './read-model-call';
import { readJson } from './request-body';

export async function listEntities(request: IRequest, env: Env): Promise<Response> {
  const noun = nounOf(request);
  if (noun instanceof Response) return noun;
  const refused = await authorizeReader(request, env, request.params['tenant']!, 'read');
  if (refused) return refused;
  const query = listQueryFromParams(noun, new URL(request.url).searchParams);
  if (!query.ok) return problem(query.error);
  return runList(request, env, query.value);
}

export async function queryEntities(request: IRequest, env: Env): Promise<Response> {
  const refused = await authorizeReader(request, env, request.params['tenant']!, 'read');
  if (refused) return refused;
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const query = listQueryFromJson(body.value);
  if (!query.ok) return problem(query.error);
  return runList(request, env, query.value);
}

async function runList(request: IRequest, env: Env, query: ListQuery): Promise<Response> {
  const tenant = request.params['tenant']!;
  const served = await serveFromReadModel(request, env, tenant, (model, minSeq) => model.list(tenant, query, minSeq));
  if (!served.ok) return served.response;
  const { data, next } = served.value;
  return projectionAnswer({ data, next: next ? encodeCursor(query.sort, next) : null }, served.seq);
}
