// An outside client of the running server: JSON calls with a bearer token, fresh tenants, small builders.
import { E2E_ADMIN_TOKEN } from './wrangler-dev';

export async function call(base: string, path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${init.token ?? E2E_ADMIN_TOKEN}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any, headers: response.headers };
}

let n = 0;
export const aTenant = (prefix = 'e2e') => `${prefix}-${Date.now().toString(36)}-${++n}`;
export const anOrganization = () => ({ name: `Org ${++n}`, domain: `org${n}-${Date.now().toString(36)}.example.com` });
export const aContact = () => ({ name: `Person ${++n}`, email: `person${n}-${Date.now().toString(36)}@example.com` });

/** Runs `count` creates, `concurrency` at a time; fails on any answer but 201. */
export async function createMany(base: string, tenant: string, count: number, concurrency = 8): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const answer = await call(base, `/~${tenant}/organizations`, { body: anOrganization() });
        if (answer.status !== 201) throw new Error(`create answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
    }),
  );
}

export async function waitFor(check: () => boolean, timeoutMs = 15_000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const head = async (base: string, tenant: string) =>
  Number((await call(base, `/~${tenant}/events?limit=1`)).headers.get('x-event-seq'));
