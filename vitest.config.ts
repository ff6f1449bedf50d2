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
              bindings: { ADMIN_TOKEN: 'test-admin-token', ALLOWED_ORIGINS: 'https://forms.example.com, https://app.example.com' },
              // The optional enrichment provider is absent in wrangler.toml; tests bind a stand-in worker.
              serviceBindings: { ENRICHMENT: 'enrichment-provider' },
              workers: [{ name: 'enrichment-provider', modules: true, scriptPath: './test/fixtures/enrichment-provider.js', compatibilityDate: '2026-11-01' }],
            },
          }),
        ],
        test: { name: 'workers', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', 'test/node/**'] },
      },
      // Plain Node: standard validators (ajv compiles code, which workerd forbids) and clients against `wrangler dev`.
      { test: { name: 'node', environment: 'node', include: ['test/node/**/*.test.ts', 'test/e2e/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000 } },
    ],
  },
});
