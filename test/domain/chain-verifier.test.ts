// The shared chain verifier and the redaction rules, offline: a redacted event passes only where a later
// chained erasure record vouches for its new data hash.
import { describe, expect, it } from 'vitest';
import { ChainVerifier } from '../../domain/chain-verifier';
import { chain, chainInput, dataHashOf, GENESIS_HASH, type StoredEvent } from '../../domain/events';
import { exportLine, parseExportLine, rawDataOf, scanExportLine } from '../../domain/export-line';
import { ERASED, personalValuesIn, redactDeep } from '../../domain/personal-data';

function aLog(datas: Record<string, unknown>[], types: string[] = []): StoredEvent[] {
  let prev = GENESIS_HASH;
  return datas.map((data, i) => {
    const event = chain(
      {
        type: types[i] ?? 'Contact.Created',
        entityType: 'Contact',
        entityId: `contact_${i}`,
        data,
        seq: i + 1,
        id: `01K${i}`,
        time: '2026-01-01T00:00:00.000Z',
        entityVersion: 1,
        actor: 'admin',
        causationId: null,
        correlationId: null,
      },
      prev,
    );
    prev = event.hash;
    return event;
  });
}

function verify(events: StoredEvent[]) {
  const verifier = new ChainVerifier();
  for (const event of events) {
    const found = verifier.push(event);
    if (found) return found;
  }
  return verifier.finish() ?? verifier.head;
}

describe('ChainVerifier', () => {
  it('accepts an untouched chain and answers its head', () => {
    const log = aLog([{ name: 'Ann' }, { name: 'Ben' }]);
    expect(verify(log)).toEqual({ seq: 2, hash: log[1]!.hash });
  });

  it('refuses changed data that no record vouches for, even marked "$erased"', () => {
    const log = aLog([{ name: 'Ann' }, { name: 'Ben' }]);
    log[0] = { ...log[0]!, data: { $erased: true } };
    expect(verify(log)).toEqual({ seq: 1, reason: 'data does not match datahash' });
  });

  it('accepts redacted data vouched for by a later erasure record, and nothing else', () => {
    const redacted = { name: ERASED };
    const base = aLog(
      [
        { name: 'Ann' },
        { name: 'Ben' },
        { subject: 'contact_0', fields: ['name'], redacted: [{ seq: 1, datahash: dataHashOf(redacted) }] },
      ],
      ['Contact.Created', 'Contact.Created', 'Contact.Erased'],
    );
    expect(verify([{ ...base[0]!, data: redacted }, base[1]!, base[2]!])).toEqual({ seq: 3, hash: base[2]!.hash });
    expect(verify([{ ...base[0]!, data: { name: 'Someone' } }, base[1]!, base[2]!])).toMatchObject({ seq: 1 });
    expect(
      verify([{ ...base[0]!, data: redacted }, { ...base[1]!, data: { name: 'Forged' } }, base[2]!]),
    ).toMatchObject({ seq: 2 });
  });

  it('refuses an erasure record naming a later event', () => {
    const log = aLog(
      [{ name: 'Ann' }, { subject: 'x', fields: [], redacted: [{ seq: 5, datahash: 'x' }] }],
      ['Contact.Created', 'Contact.Erased'],
    );
    expect(verify(log)).toMatchObject({ seq: 2, reason: expect.stringMatching(/earlier events/) });
  });
});

describe('export lines', () => {
  it('round-trip, and their tail is the canonical data text', () => {
    const [event] = aLog([{ name: 'Ann', email: 'ann@example.com' }]);
    const line = exportLine(event!);
    expect(parseExportLine(line)).toEqual(event);
    expect(rawDataOf(line)).toBe('{"email":"ann@example.com","name":"Ann"}');
  });

  it('scan to exactly the chain input and event, escapes and optional ids included', () => {
    const [plain] = aLog([{ name: 'Ann' }]);
    const tricky = { ...plain!, actor: 'key "x" \\ é', causationId: '01KCAUSE', correlationId: 'req-"1"' };
    for (const event of [plain!, tricky]) {
      const scanned = scanExportLine(exportLine(event))!;
      expect(scanned.chainText).toBe(chainInput(event));
      expect(scanned.event()).toEqual(event);
    }
    expect(scanExportLine('{"specversion":"1.0","id":"x"}')).toBeUndefined();
    const verifier = new ChainVerifier();
    expect(verifier.accepts(scanExportLine(exportLine(plain!))!)).toBe(true);
    expect(verifier.head.seq).toBe(1);
  });
});

describe('personal data', () => {
  it('collects every value a personal field held, and redacts them inside other strings', () => {
    const values = personalValuesIn('Contact', [
      { name: 'Ann Lee', email: 'Ann@Example.com', stage: 'Lead' },
      { changes: { phone: { from: null, to: '+1 555' }, stage: { from: 'Lead', to: 'Qualified' } } },
    ]);
    expect(values.sort()).toEqual(['+1 555', 'Ann Lee', 'Ann@Example.com', 'ann@example.com'].sort());
    expect(redactDeep({ name: 'Follow up with Ann Lee', n: 3, list: ['Ann Lee - Inbound'] }, values)).toEqual({
      name: `Follow up with ${ERASED}`,
      n: 3,
      list: [`${ERASED} - Inbound`],
    });
    expect(redactDeep({ a: 'Al', b: 'Sales' }, ['Al'])).toEqual({ a: ERASED, b: 'Sales' });
  });

  it("redacts a value only as words of its own, and never inside the schema's enum fields", () => {
    expect(redactDeep({ name: 'Marketing Q3', subject: 'Call Mark, then Mark.' }, ['Mark'])).toEqual({
      name: 'Marketing Q3',
      subject: `Call ${ERASED}, then ${ERASED}.`,
    });
    const lead = redactDeep({ stage: 'Lead', changes: { stage: { from: 'Lead', to: 'Qualified' } }, title: 'Lead' }, [
      'Lead',
    ]);
    expect(lead).toEqual({ stage: 'Lead', changes: { stage: { from: 'Lead', to: 'Qualified' } }, title: ERASED });
  });
});
