// The two routes outside every tenant: `GET /` (what this service is, its version, where the API is) and
// `GET /health` (liveness). Neither needs a credential nor touches a Durable Object.
import type { IRequest } from 'itty-router';
import { name, version } from '../package.json';
import { NOUNS } from '../domain/nouns';
import { json } from './request-body';

export const serviceRoot = (_request: IRequest): Response =>
  json({
    name,
    version,
    links: {
      health: '/health',
      collections: NOUNS.map((noun) => `/~{tenant}/${noun.collection}`),
      events: '/~{tenant}/events',
      query: '/~{tenant}/query',
      batch: '/~{tenant}/batch',
      audit: '/~{tenant}/audit/verify',
    },
  });

export const health = (_request: IRequest): Response => json({ status: 'ok', version });
