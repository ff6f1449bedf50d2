import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // Inside workerd: the Worker, its Durable Objects and queues, called through SELF.fetch.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: { ADMIN_TOKEN: 'test-admin-token', KEY_SECRET: 'test-key-secret', STREAM_HEARTBEAT_MS: '300' },
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
        test: { name: 'workers', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'] },
      },
      {
        // End to end, in Node: `wrangler dev` started per file, driven as outside clients do.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
