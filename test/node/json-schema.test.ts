// The emitted JSON Schemas and the edge's validator agree: random bodies, mixing valid and invalid
// values, are accepted by ajv (a standard JSON Schema 2020-12 validator) exactly when validateFields
// accepts them. Formats JSON Schema cannot spell (IANA zones, BCP 47 tags) are given to ajv as the
// same named checks; everything else (types, enums, ids, lengths, required, unknown and read-only
// members, email and URL shapes) is ajv's own reading of the schema.
import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDatetime, checkLanguage, checkTimezone, checkUrl } from '../../domain/formats';
import { idPattern, jsonSchemaOf, verbBodySchema } from '../../domain/json-schema';
import { DEFAULT_MAX_LENGTH, type NounSchema } from '../../domain/noun';
import { NOUNS, nounByName, Contact } from '../../domain/nouns';
import { validateFields } from '../../domain/validate';
import { draftCommand } from '../../domain/verbs/drafts';

function anAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
  const ok = (check: (v: string) => string | undefined) => (v: string) => check(v) === undefined;
  ajv.addFormat('date-time', ok(checkDatetime));
  ajv.addFormat('timezone', ok(checkTimezone));
  ajv.addFormat('language', ok(checkLanguage));
  ajv.addFormat('uri', ok(checkUrl));
  ajv.addFormat('email', () => true); // the schema's pattern carries the address syntax
  return ajv;
}

const ULID = fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/);
const text = (max: number) =>
  fc.oneof(
    fc.stringMatching(/^[a-zé0-9][a-zé0-9 .@-]{0,30}[a-z0-9]$/),
    fc.constantFrom('', '   ', 'x'.repeat(max), 'x'.repeat(max + 1), 'Chén'),
  );

function bodyValueOf(noun: NounSchema, key: string): fc.Arbitrary<unknown> {
  const anything = anyValueOf(noun, key);
  if (noun.fields[key]!.kind === 'inverse') return anything;
  return fc.oneof(
    { weight: 1, arbitrary: anything },
    { weight: 2, arbitrary: anything.filter((v) => validateFields(noun, { [key]: v }, 'update', '', true).ok) },
  );
}

function anyValueOf(noun: NounSchema, key: string): fc.Arbitrary<unknown> {
  const spec = noun.fields[key]!;
  const junk = fc.constantFrom<unknown>(null, 42, true, [], {});
  if (spec.kind === 'inverse') return fc.constant([]);
  if (spec.kind === 'enum') return fc.oneof(fc.constantFrom(...spec.values), fc.constant('Nope'), junk);
  if (spec.kind === 'ref') {
    const target = nounByName.get(spec.target)!;
    return fc.oneof(
      ULID.map((u) => `${target.idPrefix}_${u}`),
      ULID.map((u) => `zzz_${u}`),
      fc.constant(`${target.idPrefix}_123`),
      junk,
    );
  }
  if (spec.base === 'number')
    return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant('12'), junk);
  if (spec.base === 'boolean') return fc.oneof(fc.boolean(), junk);
  if (spec.base === 'datetime')
    return fc.oneof(
      fc.constantFrom(
        '2026-01-31T09:30:00Z',
        '2026-01-31T09:30:00.123+02:00',
        '2026-02-30T00:00:00Z',
        'yesterday',
        '2026-01-31',
      ),
      junk,
    );
  const format = noun.formats[key];
  const formatted: Record<string, readonly string[]> = {
    email: [
      'alice@acme.dev',
      'bob.rivera+x@startup.io',
      'not-an-email',
      'a@b',
      `${'l'.repeat(65)}@acme.dev`,
      'al ice@acme.dev',
    ],
    url: ['https://example.com/a', 'http://x.example', 'ftp://x.example', 'nope', 'https://'],
    timezone: ['Europe/Berlin', 'UTC', 'America/New_York', 'Mars/Base', 'utc'],
    language: ['en', 'pt-BR', 'yue', 'english', '12'],
  };
  if (format) return fc.oneof(fc.constantFrom(...formatted[format]!), junk);
  return fc.oneof(text(noun.maxLength[key] ?? DEFAULT_MAX_LENGTH), junk);
}

/** A body: the required fields (mostly) and a few others, valid or not; sometimes a stranger or metadata. */
function aBody(noun: NounSchema): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(noun.fields);
  const required = keys.filter((k) => {
    const f = noun.fields[k]!;
    return f.kind !== 'inverse' && f.required;
  });
  const chosen = fc
    .tuple(fc.subarray(keys, { maxLength: 4 }), fc.boolean())
    .map(([some, all]) => [...new Set([...(all ? required : []), ...some])]);
  const fields = chosen.chain((ks) =>
    fc
      .tuple(...ks.map((k) => bodyValueOf(noun, k).map((v) => [k, v] as const)))
      .map((pairs) => Object.fromEntries(pairs)),
  );
  const extra = fc.oneof(
    { weight: 6, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.constant({ nickname: 'x' }) },
    { weight: 1, arbitrary: fc.constant({ $id: `${noun.idPrefix}_01J00000000000000000000000`, $version: 3 }) },
    { weight: 1, arbitrary: fc.constant({ $type: 'Other' }) },
  );
  return fc.tuple(fields, extra).map(([f, e]) => ({ ...f, ...e }));
}

describe('jsonSchemaOf', () => {
  const ajv = anAjv();
  for (const noun of NOUNS)
    for (const mode of ['create', 'update'] as const)
      it(`agrees with validateFields on ${noun.name} ${mode} bodies`, () => {
        const check = ajv.compile(jsonSchemaOf(noun, mode));
        let accepted = 0;
        fc.assert(
          fc.property(aBody(noun), (body) => {
            const ours = validateFields(noun, body, mode, '', true).ok;
            if (ours) accepted += 1;
            expect(check(body), `${JSON.stringify(body)} ${JSON.stringify(check.errors)}`).toBe(ours);
          }),
          { numRuns: 150 },
        );
        expect(accepted).toBeGreaterThan(5); // both verdicts were exercised
      });

  it('emits a representation schema that reads metadata, computed fields and included entities', () => {
    const schema = jsonSchemaOf(Contact, 'representation') as { properties: Record<string, any>; required: string[] };
    expect(schema.required).toEqual(['$id', '$type', '$version', '$createdAt', '$updatedAt']);
    expect(schema.properties['leadScore']).toMatchObject({ type: 'number', readOnly: true });
    expect(schema.properties['stage'].enum).toEqual(['Lead', 'Qualified', 'Customer', 'Churned', 'Partner']);
    expect((schema as any).patternProperties['^\\$id$'].pattern).toBe(idPattern(Contact));
    const check = ajv.compile(schema);
    expect(
      check({
        $id: 'contact_01J00000000000000000000000',
        $type: 'Contact',
        $version: 1,
        $createdAt: '2026-01-01T00:00:00Z',
        $updatedAt: '2026-01-01T00:00:00Z',
        name: 'A',
        leads: [],
      }),
    ).toBe(true);
    expect(
      check({
        $id: 'deal_01J00000000000000000000000',
        $type: 'Contact',
        $version: 1,
        $createdAt: '2026-01-01T00:00:00Z',
        $updatedAt: '2026-01-01T00:00:00Z',
      }),
    ).toBe(false);
  });
});

describe('verbBodySchema', () => {
  const ajv = anAjv();
  const verbs = ['capture', 'assign', 'merge', 'enrich', 'qualify'] as const;
  const bodies: Record<(typeof verbs)[number], unknown[]> = {
    capture: [
      { email: 'bob@startup.io', name: 'Bob', source: 'form' },
      { name: 'Bob' },
      { email: 'bob@startup.io', stage: 'Lead' },
      { email: null },
      { email: 'x' },
    ],
    assign: [
      { owner: 'rep-7' },
      { owner: '' },
      { owner: '  ' },
      {},
      { owner: 'a', other: 1 },
      { owner: 'x'.repeat(201) },
    ],
    merge: [
      { sources: ['contact_01J00000000000000000000000'] },
      { sources: [] },
      { sources: ['org_01J00000000000000000000000'] },
      { sources: ['contact_01J00000000000000000000000', 'contact_01J00000000000000000000000'] },
    ],
    enrich: [
      { source: 'clearbit', data: { title: 'CTO' } },
      { source: 'clearbit', data: { stage: 'Customer' } },
      { data: { title: 'CTO' } },
      { source: 'x', data: { title: null } },
      { source: 'x', overwrite: 'yes' },
      { source: 'x', data: { nickname: 'x' } },
    ],
    qualify: [{}, { force: true }],
  };
  for (const verb of verbs)
    it(`agrees with the edge on ${verb} bodies`, () => {
      const check = ajv.compile(verbBodySchema(Contact, verb));
      for (const body of bodies[verb])
        expect(check(body), JSON.stringify(body)).toBe(
          draftCommand(Contact, verb, verb === 'capture' ? undefined : 'contact_01J00000000000000000000000', body).ok,
        );
    });
});
