// GET /docs: the API reference page, with Scalar's script served from its npm package (no CDN).
import { describe, expect, it } from 'vitest';
import { api } from './http';

describe('GET /docs', () => {
  it('answers a page that loads /openapi.json with a script of this origin', async () => {
    const page = await api('/docs', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('data-url="/openapi.json"');
    expect(html).toContain('<script src="/docs/scalar.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("serves Scalar's standalone script from the npm package", async () => {
    const script = await api('/docs/scalar.js', { token: null });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const text = await script.text();
    expect(text.length).toBeGreaterThan(1_000_000);
  });

  it('exposes no other asset', async () => {
    expect((await api('/standalone.js', { token: null })).status).toBe(404);
    expect((await api('/webpack-stats.json', { token: null })).status).toBe(404);
  });
});
