// Asserting a rejection as a user sees it: an RFC 9457 problem with the expected status, and a log
// that did not move.
import { expect } from 'vitest';
import type { Problem } from '../client/index.js';
import { apiJson, eventCount, type Call } from './http';

export type { Problem };

/** Sends the call, expects a problem+json of `status`, and that the tenant's event count is unchanged. */
export async function expectProblem(
  tenant: string,
  path: string,
  call: Call,
  status: number,
): Promise<{ body: Problem; headers: Headers }> {
  const before = await eventCount(tenant);
  const answer = await apiJson<Problem>(path, call);
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  expect(answer.body).toMatchObject({
    type: expect.stringMatching(/^https:\/\/crm\.headless\.ly\/problems\/[a-z_]+$/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  expect(answer.body.title.length).toBeGreaterThan(0);
  for (const error of answer.body.errors ?? [])
    expect(error).toEqual({ path: expect.any(String), message: expect.any(String) });
  expect(await eventCount(tenant)).toBe(before);
  return answer;
}

/** The message the problem gives for one path, failing when there is none. */
export function messageAt(body: Problem, path: string): string {
  const found = body.errors?.find((e) => e.path === path);
  expect(found, `no error at ${path} in ${JSON.stringify(body.errors)}`).toBeDefined();
  return found!.message;
}
