// `npm run deploy` (scripts/deploy.mjs) against a fake wrangler on PATH: there is no network here, so what
// is checked is which wrangler commands it runs, in which order, and what it tells the user.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const bin = mkdtempSync(join(tmpdir(), 'crm-fake-wrangler-'));
copyFileSync(join(import.meta.dirname, 'fixtures/fake-wrangler.mjs'), join(bin, 'wrangler'));
chmodSync(join(bin, 'wrangler'), 0o755);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

let runs = 0;
function deploy(fake: { queues?: string[]; secrets?: string[]; fail?: string }, args: string[] = []) {
  const log = join(bin, `calls-${++runs}.jsonl`);
  const run = spawnSync(process.execPath, ['scripts/deploy.mjs', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
      FAKE_WRANGLER_LOG: log,
      FAKE_QUEUES: (fake.queues ?? []).join(','),
      FAKE_SECRETS: (fake.secrets ?? []).join(','),
      FAKE_FAIL: fake.fail ?? '',
    },
  });
  const calls = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as string[]).join(' '));
  return { status: run.status, out: run.stdout + run.stderr, calls };
}

describe('npm run deploy', () => {
  it('creates every queue wrangler.toml names on a fresh account, deploys, and says how to set ADMIN_TOKEN', () => {
    const run = deploy({});
    expect(run.status, run.out).toBe(0);
    expect(run.calls).toEqual([
      'queues list --page 1',
      'queues create crm-events',
      'queues create crm-events-dlq',
      'queues create crm-webhooks',
      'queues create crm-webhooks-dlq',
      'deploy',
      'secret list --format json',
    ]);
    expect(run.out).toContain('wrangler secret put ADMIN_TOKEN');
    expect(run.out).toContain('has no ADMIN_TOKEN secret');
  });

  it('creates only the missing queue, and says the token is set when it is', () => {
    const run = deploy({
      queues: ['other-queue', 'crm-events', 'crm-webhooks', 'crm-webhooks-dlq'],
      secrets: ['ADMIN_TOKEN'],
    });
    expect(run.status, run.out).toBe(0);
    expect(run.calls.filter((c) => c.startsWith('queues create'))).toEqual(['queues create crm-events-dlq']);
    expect(run.out).toContain('queue crm-events: exists');
    expect(run.out).toContain('ADMIN_TOKEN is set');
    expect(run.out).not.toContain('has no ADMIN_TOKEN secret');
  });

  it('creates nothing when every queue exists, and passes its arguments to wrangler deploy', () => {
    const queues = ['crm-events-dlq', 'crm-events', 'crm-webhooks', 'crm-webhooks-dlq'];
    const run = deploy({ queues, secrets: ['ADMIN_TOKEN'] }, ['--env', 'staging']);
    expect(run.status, run.out).toBe(0);
    expect(run.calls).toEqual([
      'queues list --page 1',
      'deploy --env staging',
      'secret list --format json --env staging',
    ]);
  });

  it("stops with wrangler's message when a step fails, and deploys nothing after a failed queue list", () => {
    const listing = deploy({ fail: 'queues list' });
    expect(listing.status).toBe(1);
    expect(listing.out).toContain('queues list failed on purpose');
    expect(listing.calls).toEqual(['queues list --page 1']);

    const deploying = deploy({
      queues: ['crm-events', 'crm-events-dlq', 'crm-webhooks', 'crm-webhooks-dlq'],
      fail: 'deploy',
    });
    expect(deploying.status).toBe(1);
    expect(deploying.calls).toEqual(['queues list --page 1', 'deploy']);
    expect(deploying.out).not.toContain('ADMIN_TOKEN');
  });
});
