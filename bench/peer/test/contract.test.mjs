// The peer answers the contract the bench compares (statuses, problem types, uniqueness under a race),
// against its own throw-away PostgreSQL cluster. Dev-only: `npm test` in bench/peer (needs the PostgreSQL
// binaries); not part of the project's suite or CI.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { startPeer } from '../../lib/peer.mjs';

const TOKEN = 'peer-test-token';
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
let peer;

before(async () => {
  peer = await startPeer({ parent: tmpdir(), token: TOKEN, log: console.error });
  assert.ok(!('skipped' in peer), `the peer needs PostgreSQL: ${peer.skipped}`);
});
after(() => peer?.stop?.());

const create = (tenant, body, extra = {}) =>
  fetch(`${peer.baseUrl}/~${tenant}/contacts`, {
    method: 'POST',
    headers: { ...headers, ...extra },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const aContact = (overrides = {}) => ({
  name: 'Alice Chen',
  email: `alice-${Math.random().toString(36).slice(2)}@acme.dev`,
  stage: 'Lead',
  ...overrides,
});

describe('POST /~t/contacts', () => {
  it('creates with 201, Location and the representation, readable by id at once', async () => {
    const sent = aContact();
    const response = await create('t1', sent);
    assert.equal(response.status, 201);
    const body = await response.json();
    assert.deepEqual(
      { name: body.name, email: body.email, stage: body.stage, $type: body.$type, $version: body.$version },
      { ...sent, $type: 'Contact', $version: 1 },
    );
    const read = await fetch(`${peer.baseUrl}${response.headers.get('location')}`, { headers });
    assert.equal(read.status, 200);
    assert.deepEqual(await read.json(), body);
  });

  it('answers 409 duplicate naming the holder for a taken email in any case, per tenant', async () => {
    const first = await (await create('t2', aContact({ email: 'bob@acme.dev' }))).json();
    const again = await create('t2', aContact({ email: 'BOB@acme.dev' }));
    assert.equal(again.status, 409);
    assert.equal(again.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual([(await again.json()).existingId], [first.$id]);
    assert.equal((await create('t3', aContact({ email: 'bob@acme.dev' }))).status, 201);
  });

  it('lets exactly one of 20 concurrent creates of one email through', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => create('t4', aContact({ email: 'race@acme.dev' })).then((r) => r.status)),
    );
    assert.deepEqual(statuses.sort(), [201, ...Array(19).fill(409)]);
  });

  it('refuses bad input with 400 / 422 / 401 / 415 and changes nothing', async () => {
    assert.equal((await create('t5', '{not json')).status, 400);
    assert.equal((await create('t5', { name: 'X', nickname: 'x' })).status, 400);
    assert.equal((await create('t5', { email: 'x@acme.dev' })).status, 422);
    assert.equal((await create('t5', aContact({ email: 'not an email' }))).status, 422);
    assert.equal((await create('t5', aContact({ stage: 'Prospect' }))).status, 422);
    assert.equal((await create('t5', aContact(), { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await create('t5', aContact(), { 'content-type': 'text/plain' })).status, 415);
    assert.equal((await create('t5', aContact({ email: 'x@acme.dev' }))).status, 201); // the 422 above took nothing
  });
});

describe('GET /~t/contacts/{id}', () => {
  it("answers 404 for an unknown id and for another tenant's contact", async () => {
    assert.equal((await fetch(`${peer.baseUrl}/~t6/contacts/contact_nope`, { headers })).status, 404);
    const location = (await create('t6', aContact())).headers.get('location');
    assert.equal((await fetch(`${peer.baseUrl}${location.replace('/~t6/', '/~t7/')}`, { headers })).status, 404);
  });
});
