// Calling the API as a user does: through the Worker's fetch, with a bearer token.
import { exports } from 'cloudflare:workers';

export const ADMIN = 'test-admin-token';

export interface Call {
  readonly method?: string;
  readonly body?: unknown;
  readonly token?: string | null;
  readonly headers?: Record<string, string>;
}

export async function api(path: string, call: Call = {}): Promise<Response> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.token !== null) headers['authorization'] ??= `Bearer ${call.token ?? ADMIN}`;
  let body: string | undefined;
  if (call.body !== undefined) {
    body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    headers['content-type'] ??= 'application/json';
  }
  return exports.default.fetch(
    new Request(`http://crm.test${path}`, {
      method: call.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
    }),
  );
}

export async function apiJson<T = Record<string, any>>(
  path: string,
  call: Call = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await api(path, call);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

let tenants = 0;
/** A fresh tenant name per test, so tests never see each other's data. */
export function aTenant(prefix = 't'): string {
  tenants += 1;
  return `${prefix}-${Date.now().toString(36)}-${tenants}`;
}

/** How many events a tenant's log holds, read as a user would. */
export async function eventCount(tenant: string): Promise<number> {
  let count = 0;
  let after = '0';
  for (;;) {
    const page = await apiJson<{ data: unknown[]; next: string | null }>(
      `/~${tenant}/events?after=${after}&limit=1000`,
    );
    count += page.body.data.length;
    if (!page.body.next) return count;
    after = page.body.next;
  }
}
