import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Expected failures that the code retries log one JSON line at level warn (shared/log.ts); tests provoke
// them on purpose, so they are not shown unless CRM_TEST_LOGS=1. Errors always are.
const expectedFailure = /^\{"level":"warn"/;
// wrangler's own chatter while the plugin reads wrangler.toml (e.g. "Using secrets defined in .dev.vars",
// once per test file when a .dev.vars exists; the tests bind their own ADMIN_TOKEN) stays out of the output.
process.env['WRANGLER_LOG'] ??= 'warn';

export default defineConfig({
  test: {
    onConsoleLog: (line) => (process.env['CRM_TEST_LOGS'] !== '1' && expectedFailure.test(line) ? false : undefined),
    projects: [
      {
        // Inside workerd: the Worker, its Durable Objects and queues, called through SELF.fetch.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ADMIN_TOKEN: 'test-admin-token',
                KEY_SECRET: 'test-key-secret',
                STREAM_HEARTBEAT_MS: '300',
                STREAM_MAX_SUBSCRIBERS: '8',
                STREAM_SUBSCRIBE_TIMEOUT_MS: '1500',
                ALLOWED_ORIGINS: 'https://forms.example.com, https://app.example.com',
                // A test-only Ed25519 key for signed checkpoints (issue 10).
                AUDIT_SIGNING_KEY: JSON.stringify({
                  kty: 'OKP',
                  crv: 'Ed25519',
                  x: 'nMqfsvHuDDRw5kp-V3wPD3JoS11DCf4YZX0-eR4nm04',
                  d: 'BWuMWtoSkuKpGpVBeuOYw083GGhJQXb6tAgjwV3hxBQ',
                }),
              },
              // No test may reach past this machine: every outbound fetch of the Worker (webhook deliveries,
              // DNS-over-HTTPS look-ups) is answered here, never sent.
              outboundService: () => new Response('outbound requests are refused in tests', { status: 503 }),
              // The optional enrichment provider is absent in wrangler.toml; tests bind a stand-in worker.
              serviceBindings: { ENRICHMENT: 'enrichment-provider' },
              workers: [
                {
                  name: 'enrichment-provider',
                  modules: true,
                  scriptPath: './test/fixtures/enrichment-provider.js',
                  compatibilityDate: '2026-11-01',
                },
              ],
            },
          }),
        ],
        test: { name: 'workers', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', 'test/node/**'] },
      },
      {
        // End to end: `wrangler dev` (workerd, SQLite, local queues) as a separate process, driven over HTTP from
        // Node (test/e2e/wrangler-dev.ts), for what only a real process shows: restarts, crashes, signals.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      // Plain Node: standard validators (ajv compiles code, which workerd forbids) and generated files.
      { test: { name: 'node', environment: 'node', include: ['test/node/**/*.test.ts'], testTimeout: 60_000 } },
    ],
  },
});
