// GET /openapi.json: generated from the nouns and the routes; every route of the router is in it.
import { describe, expect, it } from 'vitest';
import { NOUNS } from '../domain/nouns';
import { ROUTES } from '../workers/router';
import { apiJson } from './http';

/** The router's paths as OpenAPI spells them, `:collection` expanded to every noun's collection. */
function routerOperations(): string[] {
  return ROUTES.flatMap(([path, methods]) => {
    const paths = path.includes(':collection') ? NOUNS.map((n) => path.replace(':collection', n.collection)) : [path];
    return paths.flatMap((p) => Object.keys(methods).map((m) => `${m.toLowerCase()} ${p.replace(/:(\w+)/g, '{$1}')}`));
  });
}

describe('GET /openapi.json', () => {
  it('answers an OpenAPI 3.1 document without a credential', async () => {
    const { status, body, headers } = await apiJson('/openapi.json', { token: null });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json');
    expect(body['openapi']).toBe('3.1.0');
  });

  it('describes every route of the router, and nothing the router does not serve', async () => {
    const { body } = await apiJson('/openapi.json', { token: null });
    const documented = Object.entries(body['paths'] as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m} ${p}`),
    );
    const served = routerOperations().filter((o) => !/ \/(openapi\.json|docs)/.test(o));
    expect(documented.sort()).toEqual([...new Set(served)].sort());
  });

  it('carries the schemas of every noun, from the declarations', async () => {
    const { body } = await apiJson('/openapi.json', { token: null });
    const schemas = body['components']['schemas'];
    for (const noun of NOUNS)
      expect(Object.keys(schemas)).toEqual(
        expect.arrayContaining([noun.name, `${noun.name}Create`, `${noun.name}Update`]),
      );
    expect(schemas['ContactCreate'].required).toEqual(['name']);
    expect(schemas['Contact'].properties.role.enum).toEqual([
      'DecisionMaker',
      'Influencer',
      'Champion',
      'Blocker',
      'User',
    ]);
    expect(body['paths']['/~{tenant}/contacts/{id}/qualify'].post.responses['409']).toEqual({
      $ref: '#/components/responses/Problem409',
    });
  });
});
