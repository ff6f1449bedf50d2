import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ADMIN_TOKEN: 'test-admin-token',
                KEY_SECRET: 'test-key-secret',
                // A test-only Ed25519 key for signed checkpoints (issue 10).
                AUDIT_SIGNING_KEY: JSON.stringify({
                  kty: 'OKP',
                  crv: 'Ed25519',
                  x: 'nMqfsvHuDDRw5kp-V3wPD3JoS11DCf4YZX0-eR4nm04',
                  d: 'BWuMWtoSkuKpGpVBeuOYw083GGhJQXb6tAgjwV3hxBQ',
                }),
              },
              // The optional enrichment provider is absent in wrangler.toml; tests bind a stand-in worker.
              serviceBindings: { ENRICHMENT: 'enrichment-provider' },
              workers: [{
                name: 'enrichment-provider', modules: true, scriptPath: './test/fixtures/enrichment-provider.js',
                compatibilityDate: '2026-11-01',
              }],
            },
          }),
        ],
        test: { name: 'workers', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'] },
      },
      {
        // End to end: `wrangler dev` as a separate process, driven from Node (test/e2e/wrangler-dev.ts).
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
