// The suite never reaches past this machine: vitest.config.ts answers every outbound fetch itself, so a
// webhook delivery or a DNS-over-HTTPS look-up made by a test goes nowhere.
import { describe, expect, it } from 'vitest';

describe('outbound requests in tests', () => {
  it('are answered locally with 503, never sent', async () => {
    const answer = await fetch('https://93.184.215.14/hooks/crm', { method: 'POST', body: '{}' });
    expect(answer.status).toBe(503);
    expect(await answer.text()).toBe('outbound requests are refused in tests');
  });
});
