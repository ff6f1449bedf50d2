// Running the `crm` CLI as a user would (node cli/crm.mjs …), and talking to a wrangler dev server.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { E2E_ADMIN_TOKEN } from './wrangler-dev';

const ROOT = resolve(import.meta.dirname, '../..');

/** A test-only Ed25519 key (the same as vitest.config.ts binds). */
export const SIGNING_KEY = JSON.stringify({
  kty: 'OKP',
  crv: 'Ed25519',
  x: 'nMqfsvHuDDRw5kp-V3wPD3JoS11DCf4YZX0-eR4nm04',
  d: 'BWuMWtoSkuKpGpVBeuOYw083GGhJQXb6tAgjwV3hxBQ',
});

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function crm(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve(ROOT, 'cli/crm.mjs'), ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

export async function send(
  url: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
