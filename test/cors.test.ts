// CORS: only the origins in ALLOWED_ORIGINS (here forms.example.com and app.example.com) are answered;
// credentials are never allowed, let alone with a wildcard.
import { describe, expect, it } from 'vitest';
import { aContact } from './builders';
import { aTenant, api } from './http';

const FORM = 'https://forms.example.com';

describe('CORS', () => {
  it('answers the preflight of an allowed origin', async () => {
    const response = await api(`/~${aTenant()}/contacts/capture`, {
      method: 'OPTIONS',
      token: null,
      headers: {
        origin: FORM,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(FORM);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toMatch(
      /Authorization.*Content-Type.*Idempotency-Key/,
    );
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toBe('Origin');
  });

  it('refuses the preflight of another origin', async () => {
    const response = await api(`/~${aTenant()}/contacts`, {
      method: 'OPTIONS',
      token: null,
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets an allowed origin read the answer and its headers, and no other origin', async () => {
    const tenant = aTenant();
    const allowed = await api(`/~${tenant}/contacts/capture`, {
      body: aContact({ source: 'form' }),
      headers: { origin: FORM },
    });
    expect(allowed.status).toBe(201);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(FORM);
    expect(allowed.headers.get('access-control-expose-headers')).toContain('X-Event-Seq');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await api(`/~${tenant}/contacts`, { headers: { origin: 'https://evil.example' } });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('vary')).toBe('Origin');
    const none = await api(`/~${tenant}/contacts`);
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('shows problems to an allowed origin too', async () => {
    const refused = await api(`/~${aTenant()}/contacts`, { token: null, headers: { origin: FORM } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(FORM);
  });
});
