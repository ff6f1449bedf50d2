// GDPR erasure (issue 10): the person's values leave every stored copy (events, derived strings, state,
// read model, idempotency answers), a chained record names what was redacted, and the chain still
// verifies, while an edit nobody recorded is still caught.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { created } from './builders';
import { aTenant, api, apiJson } from './http';
import { expectProblem } from './problem';

const PERSON = {
  name: 'Zelda Quixote',
  email: 'zelda.quixote@bigcorp.example',
  phone: '+1 555 0199',
  title: 'VP Sales',
  role: 'DecisionMaker',
  stage: 'Lead',
};

async function aQualifiedPerson(): Promise<{ tenant: string; id: string }> {
  const tenant = aTenant();
  await api(`/~${tenant}/settings`, { method: 'PATCH', body: { qualifyThreshold: 0 } });
  const contact = await created(tenant, 'contacts', PERSON);
  const id = contact['$id'] as string;
  const qualified = await api(`/~${tenant}/contacts/${id}/qualify`, {
    method: 'POST',
    headers: { 'idempotency-key': 'q-1' },
  });
  expect(qualified.status).toBe(200);
  await created(tenant, 'contacts', { name: 'Other Person', email: 'other@example.com' });
  return { tenant, id };
}

// arrayBuffer, not .text(): workerd warns on .text() of a media type it does not know as text.
const exportOf = async (tenant: string) =>
  new TextDecoder().decode(await (await api(`/~${tenant}/export`)).arrayBuffer());
const mentions = (text: string) => [PERSON.name, PERSON.email, PERSON.phone].filter((v) => text.includes(v));

describe('POST /~t/contacts/{id}/erase', () => {
  it('removes the values from events, derived strings, state and the read model; verify still passes', async () => {
    const { tenant, id } = await aQualifiedPerson();
    const before = await exportOf(tenant);
    expect(before).toContain(`Follow up with ${PERSON.name}`);
    expect(before).toContain(`${PERSON.name} - Inbound`);
    expect((await apiJson(`/~${tenant}/contacts?q=quixote`)).body['data']).toHaveLength(1);
    const answer = await apiJson(`/~${tenant}/contacts/${id}/erase`, { method: 'POST' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body['redactedEvents']).toBeGreaterThanOrEqual(3);
    const after = await exportOf(tenant);
    expect(mentions(after)).toEqual([]);
    expect(after).toContain('Follow up with [erased]');
    expect(after).toContain('Other Person');
    const record = after
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .at(-1);
    expect(record).toMatchObject({
      type: 'Contact.Erased',
      subject: id,
      data: { subject: id, fields: expect.arrayContaining(['email']) },
    });
    expect((await apiJson(`/~${tenant}/audit/verify`)).body['ok']).toBe(true);
    expect((await api(`/~${tenant}/contacts/${id}`)).status).toBe(410);
    const deals = await apiJson(`/~${tenant}/deals`);
    expect(deals.body['data'][0]['name']).toBe('[erased] - Inbound');
    const listed = await api(`/~${tenant}/contacts?limit=100`);
    expect(mentions(await listed.text())).toEqual([]);
    // Nor does the read model's full-text index find the person any more.
    expect((await apiJson(`/~${tenant}/contacts?q=quixote`)).body['data']).toEqual([]);
    const replayed = await api(`/~${tenant}/contacts/${id}/qualify`, {
      method: 'POST',
      headers: { 'idempotency-key': 'q-1' },
    });
    expect(mentions(await replayed.text())).toEqual([]);
    // The email is free again.
    await created(tenant, 'contacts', { name: 'New Person', email: PERSON.email });
  });

  it('keeps an erased log importable and verifiable elsewhere', async () => {
    const { tenant, id } = await aQualifiedPerson();
    await api(`/~${tenant}/contacts/${id}/erase`, { method: 'POST' });
    const text = await exportOf(tenant);
    const copy = aTenant();
    const imported = await apiJson(`/~${copy}/import`, {
      method: 'POST',
      body: text,
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(await exportOf(copy)).toBe(text);
  });

  it('still catches a forged edit of another event after an erasure', async () => {
    const { tenant, id } = await aQualifiedPerson();
    await api(`/~${tenant}/contacts/${id}/erase`, { method: 'POST' });
    const stub = env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant));
    const seq = await runInDurableObject(stub, (_, state) => {
      const row = state.storage.sql.exec("SELECT seq FROM events WHERE data LIKE '%Other Person%' LIMIT 1").one();
      state.storage.sql.exec(
        "UPDATE events SET data = replace(data, 'Other Person', 'Forged Person') WHERE seq = ?",
        row['seq'],
      );
      return Number(row['seq']);
    });
    expect((await apiJson(`/~${tenant}/audit/verify`)).body).toMatchObject({
      ok: false,
      firstBreak: { seq, reason: 'data does not match datahash' },
    });
  });

  it('still catches a forged edit of a redacted event', async () => {
    const { tenant, id } = await aQualifiedPerson();
    await api(`/~${tenant}/contacts/${id}/erase`, { method: 'POST' });
    const stub = env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant));
    const seq = await runInDurableObject(stub, (_, state) => {
      const row = state.storage.sql
        .exec("SELECT seq FROM events WHERE type = 'Contact.Created' AND entity_id = ?", id)
        .one();
      state.storage.sql.exec(
        "UPDATE events SET data = replace(data, '[erased]', 'Someone Else') WHERE seq = ?",
        row['seq'],
      );
      return Number(row['seq']);
    });
    expect((await apiJson(`/~${tenant}/audit/verify`)).body).toMatchObject({ ok: false, firstBreak: { seq } });
  });

  it('answers 404 for an unknown contact and 410 for one erased already, changing nothing', async () => {
    const { tenant, id } = await aQualifiedPerson();
    await expectProblem(
      tenant,
      `/~${tenant}/contacts/contact_01J0000000000000000000000/erase`,
      { method: 'POST' },
      404,
    );
    await api(`/~${tenant}/contacts/${id}/erase`, { method: 'POST' });
    await expectProblem(tenant, `/~${tenant}/contacts/${id}/erase`, { method: 'POST' }, 410);
  });
});

describe('an erasure interrupted between the reset and the copy back', () => {
  it('is finished by the restarted object before it serves anything', async () => {
    const { tenant, id } = await aQualifiedPerson();
    const before = await exportOf(tenant);
    const stub = env.TENANT_LOG.get(env.TENANT_LOG.idFromName(tenant));
    await runInDurableObject(stub, async (instance, state) => {
      const compactor = (
        instance as unknown as { parts: { replay: { compactor: { compact(crash: boolean): Promise<void> } } } }
      ).parts.replay.compactor;
      await compactor.compact(true);
      expect(state.storage.sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE name = 'events'").one()['n']).toBe(
        0,
      );
    });
    // The object restarts (as after a crash): its constructor finds the marker and copies everything back.
    await runInDurableObject(stub, (_, state) => state.abort()).catch(() => undefined);
    expect(await exportOf(tenant)).toBe(before);
    expect((await apiJson(`/~${tenant}/contacts/${id}`)).body['name']).toBe(PERSON.name);
    expect((await apiJson(`/~${tenant}/audit/verify`)).body['ok']).toBe(true);
    await created(tenant, 'contacts', { name: 'After Restart', email: 'after@example.com' });
  });
});
