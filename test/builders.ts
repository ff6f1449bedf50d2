// Small builders for test data: aContact({ ...overrides }).
import { expect } from 'vitest';
import { apiJson } from './http';

let n = 0;
const next = () => ++n;

export function aContact(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const i = next();
  return { name: `Person ${i}`, email: `person${i}@example.com`, ...overrides };
}

export function anOrganization(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const i = next();
  return { name: `Org ${i}`, domain: `org${i}.example.com`, ...overrides };
}

export function aLead(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { source: `form-${next()}`, status: 'New', ...overrides };
}

export function anActivity(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { subject: `Call ${next()}`, type: 'Call', status: 'Pending', ...overrides };
}

export function aDeal(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: `Deal ${next()}`, value: 12_000, stage: 'Prospecting', ...overrides };
}

export function aCampaign(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: `Campaign ${next()}`, type: 'Email', status: 'Draft', ...overrides };
}

/** Creates an entity through the API and returns its representation; fails the test unless 201. */
export async function created(
  tenant: string,
  collection: string,
  body: Record<string, unknown>,
  token?: string,
): Promise<Record<string, any>> {
  const answer = await apiJson(`/~${tenant}/${collection}`, { method: 'POST', body, ...(token ? { token } : {}) });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

/** Creates a tenant API key with the given scopes (admin call) and returns its id and secret. */
export async function aKey(tenant: string, scopes: string[], rateLimit?: number): Promise<{ id: string; key: string }> {
  const answer = await apiJson(`/~${tenant}/keys`, {
    method: 'POST',
    body: { name: `key for ${scopes.join('+')}`, scopes, ...(rateLimit ? { rateLimit } : {}) },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return { id: answer.body['id'], key: answer.body['key'] };
}
