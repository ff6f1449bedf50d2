// `GET /docs`: an API reference of /openapi.json rendered by Scalar, whose standalone script comes from
// the @scalar/api-reference npm package as a static asset (wrangler.toml [assets]), never from a CDN.
import type { IRequest } from 'itty-router';
import type { Env } from '../shared/env';
import { problem } from './problems';

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Headless CRM API reference</title>
  </head>
  <body>
    <script id="api-reference" data-url="/openapi.json"></script>
    <script src="/docs/scalar.js"></script>
  </body>
</html>
`;

export const docsPage = (): Response =>
  new Response(PAGE, {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy':
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:",
    },
  });

export async function docsScript(request: IRequest, env: Env): Promise<Response> {
  if (!env.ASSETS)
    return problem({ code: 'not_found', message: 'the API reference script is not deployed (wrangler.toml [assets])' });
  const asset = await env.ASSETS.fetch(new Request(new URL('/standalone.js', request.url)));
  if (!asset.ok) return problem({ code: 'not_found', message: 'the API reference script is missing: run npm install' });
  const headers = new Headers(asset.headers);
  headers.set('content-type', 'text/javascript; charset=utf-8');
  headers.set('cache-control', 'public, max-age=86400');
  return new Response(asset.body, { status: 200, headers });
}
