import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: { ADMIN_TOKEN: 'test-admin-token', KEY_SECRET: 'test-key-secret' },
        // The optional enrichment provider is absent in wrangler.toml; tests bind a stand-in worker.
        serviceBindings: { ENRICHMENT: 'enrichment-provider' },
        workers: [{ name: 'enrichment-provider', modules: true, scriptPath: './test/fixtures/enrichment-provider.js', compatibilityDate: '2026-11-01' }],
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
  },
});
