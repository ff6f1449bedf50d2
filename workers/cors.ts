// CORS for browser capture forms and apps: origins listed in ALLOWED_ORIGINS (comma-separated; none
// by default; `*` for any) get their preflight answered and the answer's headers exposed. Keys travel
// in Authorization, never in cookies, so Access-Control-Allow-Credentials is never sent: credentials
// are never combined with a wildcard.
import type { Env } from '../shared/env';
import { problem } from './problems';

const ALLOW_METHODS = 'GET, HEAD, POST, PATCH, DELETE';
const ALLOW_HEADERS =
  'Authorization, Content-Type, Idempotency-Key, If-Match, X-Min-Seq, X-Request-Id, Last-Event-ID, Accept, ' +
  'Mcp-Protocol-Version';
const EXPOSE_HEADERS =
  'ETag, Location, X-Event-Seq, X-Projection-Seq, Retry-After, RateLimit, RateLimit-Policy, WWW-Authenticate';

/** The allowed origin to echo for this request, or undefined. */
export function allowedOrigin(request: Request, env: Pick<Env, 'ALLOWED_ORIGINS'>): string | undefined {
  const origin = request.headers.get('origin');
  if (!origin) return undefined;
  const listed = (env.ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, '').toLowerCase())
    .filter(Boolean);
  if (listed.includes('*')) return '*';
  return listed.includes(origin.toLowerCase()) ? origin : undefined;
}

export async function withCors(request: Request, env: Env, next: () => Promise<Response>): Promise<Response> {
  const origin = allowedOrigin(request, env);
  const preflight = request.method === 'OPTIONS' && request.headers.has('access-control-request-method');
  if (preflight) {
    if (!origin)
      return problem(
        {
          code: 'forbidden',
          message: `origin ${request.headers.get('origin') ?? '(none)'} is not allowed (ALLOWED_ORIGINS)`,
        },
        { vary: 'Origin' },
      );
    return new Response(null, {
      status: 204,
      headers: {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': ALLOW_METHODS,
        'access-control-allow-headers': ALLOW_HEADERS,
        'access-control-max-age': '600',
        vary: 'Origin',
      },
    });
  }
  const response = await next();
  // A WebSocket upgrade keeps its own Response object; browsers do not apply CORS to it.
  if (!request.headers.get('origin') || response.status === 101 || response.webSocket) return response;
  const answered = new Response(response.body, response);
  answered.headers.append('vary', 'Origin');
  if (origin) {
    answered.headers.set('access-control-allow-origin', origin);
    answered.headers.set('access-control-expose-headers', EXPOSE_HEADERS);
  }
  return answered;
}
