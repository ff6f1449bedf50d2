// The hand-written chain input must stay the canonical JSON of the envelope that the README documents.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../domain/canonical';
import { chainInput, GENESIS_HASH } from '../domain/events';

const envelope = {
  prevHash: GENESIS_HASH,
  actor: 'key:key_01',
  causationId: null,
  correlationId: 'req "quoted" \u2028',
  dataHash: 'ab'.repeat(32),
  entityId: 'contact_01',
  entityType: 'Contact',
  entityVersion: 3,
  id: '01KAAAAAAAAAAAAAAAAAAAAAAA',
  seq: 42,
  time: '2026-11-27T00:00:00.000Z',
  type: 'Contact.Updated',
};

describe('chainInput', () => {
  it('is prevhash followed by the canonical JSON of the envelope', () => {
    const { prevHash, ...rest } = envelope;
    const canonical = canonicalJson({
      actor: rest.actor,
      causationid: rest.causationId,
      correlationid: rest.correlationId,
      datahash: rest.dataHash,
      entityid: rest.entityId,
      entitytype: rest.entityType,
      entityversion: rest.entityVersion,
      id: rest.id,
      seq: rest.seq,
      time: rest.time,
      type: rest.type,
    });
    expect(chainInput(envelope)).toBe(prevHash + canonical);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"f":2}]},"b":1}',
    );
  });
});
