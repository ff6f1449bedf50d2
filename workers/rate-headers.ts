// RateLimit and RateLimit-Policy answer headers (IETF draft-ietf-httpapi-ratelimit-headers-10) for
// requests made with a tenant key: the policy is the key's per-minute quota, the state what is left.
import type { RateState } from '../shared/protocol';

const noted = new WeakMap<Request, RateState>();

export function noteRate(request: Request, rate: RateState): void {
  noted.set(request, rate);
}

/** Adds the headers when the log reported a rate state for this request. */
export function withRateHeaders(request: Request, response: Response): Response {
  const rate = noted.get(request);
  if (!rate) return response;
  try {
    response.headers.set('ratelimit-policy', `"key";q=${rate.limit};w=${rate.window}`);
    response.headers.set('ratelimit', `"key";r=${rate.remaining};t=${rate.reset}`);
  } catch {
    // An immutable answer (none today) goes out without them.
  }
  return response;
}
