// What the routes under `/~:tenant/:collection` start from: the collection's noun (an unknown one is a 404
// before anything else is read), the tenant's call context, and the URL of an entity of that noun.
import type { IRequest } from 'itty-router';
import type { NounSchema } from '../domain/noun';
import { nounByCollection } from '../domain/nouns';
import type { Env } from '../shared/env';
import { problem } from './problems';
import { tenantCall, type TenantCall } from './tenant-call';

/** The noun of the `:collection` segment, or a 404. */
export function nounOf(request: IRequest): NounSchema | Response {
  const collection = request.params['collection'];
  const noun = nounByCollection.get(collection ?? '');
  return noun ?? problem({ code: 'not_found', message: `no collection ${collection}` });
}

/** `/~tenant/collection/id`: where an entity of `noun` in `tenant` lives. */
export const locator = (tenant: string, noun: NounSchema) => (id: string) => `/~${tenant}/${noun.collection}/${id}`;

export interface NounRoute {
  readonly noun: NounSchema;
  readonly tenant: string;
  readonly ctx: Extract<TenantCall, { ok: true }>;
  /** The URL of an entity of this noun in this tenant. */
  readonly locate: (id: string) => string;
}

/** The collection's noun (404 first), then the tenant and its caller (tenantCall). */
export async function nounRoute(request: IRequest, env: Env): Promise<NounRoute | Response> {
  const noun = nounOf(request);
  if (noun instanceof Response) return noun;
  const tenant = request.params['tenant']!;
  const ctx = await tenantCall(request, env, tenant);
  if (!ctx.ok) return ctx.response;
  return { noun, tenant, ctx, locate: locator(tenant, noun) };
}
