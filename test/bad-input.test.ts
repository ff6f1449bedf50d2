// Bad input, generated: whatever a client sends, the answer is never a 500, and only a 2xx write
// moves the log (by exactly one event, plus the Contact.Scored a changed lead-score input brings).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Contact } from '../domain/nouns';
import { aContact, created } from './builders';
import { aTenant, api, apiJson, eventCount } from './http';

const FIELD_NAMES = [...Object.keys(Contact.fields), '$id', '$version', 'constructor', '__proto__', 'nickname'];
const value = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  fc.string(),
  fc.constantFrom(
    'Lead',
    'Qualified',
    'alice@acme.dev',
    'https://acme.dev',
    'Europe/Berlin',
    'en',
    '2026-01-31T09:30:00Z',
    'contact_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  ),
  fc.double(),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 2 }),
);
const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FIELD_NAMES) }, { weight: 1, arbitrary: fc.string() });
const body = fc.oneof(
  { weight: 2, arbitrary: fc.dictionary(key, value, { maxKeys: 2 }) },
  // A valid contact with a few generated fields on top, so that bad values meet an otherwise good body.
  { weight: 2, arbitrary: fc.dictionary(key, value, { maxKeys: 3 }).map((extra) => ({ name: 'Fuzz', ...extra })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const STORED = new Set(Object.keys(Contact.fields));

async function sendAndCheck(tenant: string, path: string, method: string, payload: unknown): Promise<void> {
  const before = await eventCount(tenant);
  const answer = await api(path, { method, body: JSON.stringify(payload) ?? 'null' });
  expect(answer.status, await answer.text()).toBeLessThan(500);
  const appended = (await apiJson(`/~${tenant}/events?after=${before}`)).body['data'] as {
    type: string;
    data: Record<string, any>;
  }[];
  const written = appended.filter((e) => e.type !== 'Contact.Scored');
  if (answer.status >= 400) expect(appended).toEqual([]);
  else expect(written.length).toBe(method === 'POST' ? 1 : Math.min(written.length, 1));
  // What was appended names only stored fields of Contact.
  for (const event of appended)
    for (const field of Object.keys(event.data['changes'] ?? event.data)) expect(STORED.has(field), field).toBe(true);
}

describe('generated request bodies', () => {
  it('never answer 500 on create, and append only when they create', async () => {
    const tenant = aTenant();
    await fc.assert(
      fc.asyncProperty(body, (payload) => sendAndCheck(tenant, `/~${tenant}/contacts`, 'POST', payload)),
      { numRuns: 200 },
    );
  }, 60_000);

  it('never answer 500 on update, and append at most one event', async () => {
    const tenant = aTenant();
    const contact = await created(tenant, 'contacts', aContact());
    await fc.assert(
      fc.asyncProperty(body, (payload) =>
        sendAndCheck(tenant, `/~${tenant}/contacts/${contact['$id']}`, 'PATCH', payload),
      ),
      { numRuns: 200 },
    );
  }, 60_000);
});
