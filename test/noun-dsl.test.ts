// The Noun DSL against the spec's Contact declaration, field string by field string, and against
// malformed declarations, which fail when declared, naming the noun and the field.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Fields } from '../domain/infer';
import { checkNounGraph, Noun, NounDeclarationError } from '../domain/noun';
import { Contact } from '../domain/nouns';

// The spec page's declaration, word for word (seed/Contact.md).
const SPEC_CONTACT = {
  name: 'string!',
  firstName: 'string',
  lastName: 'string',
  email: 'string##',
  phone: 'string',
  mobile: 'string',
  avatar: 'string',
  title: 'string',
  department: 'string',
  organization: '-> Organization.contacts',
  role: 'DecisionMaker | Influencer | Champion | Blocker | User',
  stage: 'Lead | Qualified | Customer | Churned | Partner',
  status: 'Active | Inactive | Bounced | Unsubscribed',
  source: 'string',
  leadScore: 'number',
  preferredChannel: 'Email | Phone | SMS | Chat',
  timezone: 'string',
  language: 'string',
  leads: '<- Lead.contact[]',
  activities: '<- Activity.contact[]',
  manager: '-> Contact.reports',
  reports: '<- Contact.manager[]',
  linkedinUrl: 'string',
  twitterHandle: 'string',
  marketingConsent: 'string',
  lastEngagement: 'datetime',
  qualify: 'Qualified',
  capture: 'Captured',
  assign: 'Assigned',
  merge: 'Merged',
  enrich: 'Enriched',
} as const;

const plain = (base: string) => ({ kind: 'scalar', base, required: false, indexed: false, unique: false });
const anEnum = (...values: string[]) => ({ kind: 'enum', values, required: false, indexed: false, unique: false });
const ref = (target: string, inverse: string) => ({
  kind: 'ref',
  target,
  inverse,
  required: false,
  indexed: true,
  unique: false,
});
const inverse = (target: string, field: string) => ({ kind: 'inverse', target, field, many: true });

const EXPECTED_FIELDS: Record<string, unknown> = {
  name: { ...plain('string'), required: true },
  email: { ...plain('string'), indexed: true, unique: true },
  organization: ref('Organization', 'contacts'),
  role: anEnum('DecisionMaker', 'Influencer', 'Champion', 'Blocker', 'User'),
  stage: anEnum('Lead', 'Qualified', 'Customer', 'Churned', 'Partner'),
  status: anEnum('Active', 'Inactive', 'Bounced', 'Unsubscribed'),
  leadScore: plain('number'),
  preferredChannel: anEnum('Email', 'Phone', 'SMS', 'Chat'),
  leads: inverse('Lead', 'contact'),
  activities: inverse('Activity', 'contact'),
  manager: ref('Contact', 'reports'),
  reports: inverse('Contact', 'manager'),
  lastEngagement: plain('datetime'),
  owner: { ...plain('string'), indexed: true },
  ...Object.fromEntries(
    [
      'firstName',
      'lastName',
      'phone',
      'mobile',
      'avatar',
      'title',
      'department',
      'source',
      'timezone',
      'language',
      'linkedinUrl',
      'twitterHandle',
      'marketingConsent',
    ].map((f) => [f, plain('string')]),
  ),
};

describe('the Contact noun', () => {
  it('is declared as the spec writes it, plus owner', () => {
    expect(Contact.declaration).toEqual({ ...SPEC_CONTACT, owner: 'string#' });
  });

  it.each(Object.entries(EXPECTED_FIELDS))('parses %s into its spec', (field, spec) => {
    expect(Contact.fields[field]).toEqual(spec);
  });

  it('has exactly the spec’s fields, and its verbs with their events apart from them', () => {
    expect(Object.keys(Contact.fields).sort()).toEqual(Object.keys(EXPECTED_FIELDS).sort());
    expect({ ...Contact.verbs }).toEqual({
      qualify: 'Qualified',
      capture: 'Captured',
      assign: 'Assigned',
      merge: 'Merged',
      enrich: 'Enriched',
    });
    expect([Contact.idPrefix, Contact.collection]).toEqual(['contact', 'contacts']);
  });

  it('parses the spec’s declaration the same when declared afresh', () => {
    const again = Noun('Contact', SPEC_CONTACT);
    expect({ ...again.fields }).toEqual({ ...Contact.fields, owner: undefined });
  });

  it('derives its TypeScript types from the same strings', () => {
    type C = Fields<typeof Contact>;
    expectTypeOf<C['name']>().toEqualTypeOf<string>();
    expectTypeOf<C['stage']>().toEqualTypeOf<'Lead' | 'Qualified' | 'Customer' | 'Churned' | 'Partner' | undefined>();
    expectTypeOf<C['leadScore']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<C>().not.toHaveProperty('leads');
    expectTypeOf<C>().not.toHaveProperty('qualify');
  });
});

describe('modifiers', () => {
  it('reads string!## and string##! the same: required, indexed, unique', () => {
    const noun = Noun('Probe', { a: 'string!##', b: 'string##!', c: 'string #' });
    expect(noun.fields['a']).toEqual({ kind: 'scalar', base: 'string', required: true, indexed: true, unique: true });
    expect(noun.fields['b']).toEqual(noun.fields['a']);
    expect(noun.fields['c']).toEqual({ kind: 'scalar', base: 'string', required: false, indexed: true, unique: false });
  });

  it('takes ! on a reference and an enum', () => {
    const noun = Noun('Probe', { owner: '-> Probe!', kind: 'A | B!' });
    expect(noun.fields['owner']).toMatchObject({ kind: 'ref', target: 'Probe', required: true });
    expect(noun.fields['kind']).toMatchObject({ kind: 'enum', values: ['A', 'B'], required: true });
  });
});

describe('a malformed declaration', () => {
  it.each([
    ['an unknown type', 'strin', /unknown type "strin"/],
    ['an empty string', '  ', /empty declaration/],
    ['two bangs', 'string!!', /"!" may appear once/],
    ['three hashes', 'string###', /modifiers must be/],
    ['split hashes', 'string#!#', /modifiers must be/],
    ['modifiers alone', '!#', /modifiers without a type/],
    ['an empty enum member', 'A | | B', /empty member/],
    ['a repeated enum member', 'A | B | A', /repeats a member/],
    ['an enum member that is no identifier', 'Lead | Not Sure', /not an identifier/],
    ['a lower-case reference', '-> organization', /must read "-> Noun"/],
    ['a unique reference', '-> Organization.contacts##', /cannot be unique/],
    ['an inverse without a field', '<- Lead', /must read "<- Noun.field\[\]"/],
    ['an unclosed inverse', '<- Lead.contact[', /must read/],
    ['a verb with a modifier', 'Qualified!', /unknown type "Qualified"/],
  ])('fails on %s, naming the noun and the field', (_, text, problem) => {
    const declare = () => Noun('Contact', { name: 'string!', broken: text });
    expect(declare).toThrow(NounDeclarationError);
    expect(declare).toThrow(/^Noun Contact: field "broken": /);
    expect(declare).toThrow(problem);
  });

  it('fails on a field name that is no identifier, and on a non-string', () => {
    expect(() => Noun('Contact', { 'first-name': 'string' })).toThrow(
      /^Noun Contact: field "first-name": .*identifier/,
    );
    expect(() => Noun('Contact', { age: 42 as unknown as string })).toThrow(
      /^Noun Contact: field "age": .*must be a string/,
    );
  });

  it('fails on declaring create, update or delete as verbs', () => {
    expect(() => Noun('Contact', { name: 'string', delete: 'Deleted' })).toThrow(
      /^Noun Contact: field "delete": .*implicit/,
    );
  });

  it('fails on a noun name that is not PascalCase, and on options naming no field', () => {
    expect(() => Noun('contact', { name: 'string' })).toThrow(/^Noun contact: .*PascalCase/);
    expect(() => Noun('Contact', { name: 'string' }, { computed: ['score'] })).toThrow(
      /^Noun Contact: field "score": /,
    );
  });
});

describe('checkNounGraph', () => {
  it('accepts references and inverses that agree', () => {
    const a = Noun('Author', { books: '<- Book.author[]' });
    const b = Noun('Book', { author: '-> Author.books' });
    expect(() => checkNounGraph([a, b])).not.toThrow();
  });

  it('catches an inverse that names the wrong field', () => {
    const a = Noun('Author', { books: '<- Book.writer[]' });
    const b = Noun('Book', { author: '-> Author.books', writer: 'string' });
    expect(() => checkNounGraph([a, b])).toThrow(
      /^Noun Author: field "books": Book\.writer must be the matching ref of Author\.books/,
    );
  });

  it('catches a reference whose inverse points at another noun', () => {
    const a = Noun('Author', { books: '<- Book.author[]' });
    const b = Noun('Book', { author: '-> Author.titles' });
    expect(() => checkNounGraph([a, b])).toThrow(/^Noun Author: field "books"|^Noun Book: field "author"/);
  });

  it('catches a reference to a noun that is not declared', () => {
    expect(() => checkNounGraph([Noun('Book', { author: '-> Author' })])).toThrow(
      /^Noun Book: field "author": unknown noun "Author"/,
    );
  });
});
