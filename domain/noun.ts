// The Noun DSL of the spec: `Noun('Contact', { name: 'string!', email: 'string##', ... })`.
// One declaration is parsed once, at declaration time; validation, types, routes, OpenAPI and MCP
// schemas are all derived from the parsed form, never restated.

export type BaseType = 'string' | 'number' | 'boolean' | 'datetime';

interface Modifiers {
  readonly required: boolean;
  readonly indexed: boolean;
  readonly unique: boolean;
}

export type FieldSpec =
  | ({ readonly kind: 'scalar'; readonly base: BaseType } & Modifiers)
  | ({ readonly kind: 'enum'; readonly values: readonly string[] } & Modifiers)
  | ({ readonly kind: 'ref'; readonly target: string; readonly inverse?: string } & Modifiers)
  | { readonly kind: 'inverse'; readonly target: string; readonly field: string; readonly many: boolean };

export interface NounOptions {
  /** Fields the system computes (e.g. leadScore): readable, never writable by a client. */
  readonly computed?: readonly string[];
  /** Formats a plain string must have; checked at the edge. */
  readonly formats?: Readonly<Record<string, StringFormat>>;
  /** Longest accepted string per field; others get DEFAULT_MAX_LENGTH. */
  readonly maxLength?: Readonly<Record<string, number>>;
  /** Id prefix; defaults to the lower-cased noun name (`contact_…`). */
  readonly idPrefix?: string;
  /** Plural collection name in routes; defaults to lower-case name + 's'. */
  readonly collection?: string;
  /** Profile fields the enrich verb may fill (lifecycle fields such as stage or owner are not data). */
  readonly enrichable?: readonly string[];
  /** Fields holding a person's values: what a GDPR erasure redacts (domain/personal-data.ts). */
  readonly personal?: readonly string[];
}

export type StringFormat = 'email' | 'url' | 'timezone' | 'language';

export interface NounSchema<N extends string = string, D extends Declaration = Declaration> {
  readonly name: N;
  readonly declaration: D;
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** verb → event name, e.g. qualify → Qualified; create/update/delete are implicit. */
  readonly verbs: Readonly<Record<string, string>>;
  readonly computed: ReadonlySet<string>;
  readonly formats: Readonly<Record<string, StringFormat>>;
  readonly maxLength: Readonly<Record<string, number>>;
  readonly idPrefix: string;
  readonly collection: string;
  readonly enrichable: readonly string[];
  readonly personal: readonly string[];
}

export type Declaration = Readonly<Record<string, string>>;

/** The pattern of an entity id: the noun's prefix, `_`, and a ULID (26 characters of Crockford base 32). */
export function idPatternOf(prefix: string): string {
  return `^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`;
}

const idShapes = new Map<string, RegExp>();
/** idPatternOf as a RegExp, compiled once per prefix. */
export function idShape(prefix: string): RegExp {
  let shape = idShapes.get(prefix);
  if (!shape) idShapes.set(prefix, (shape = new RegExp(idPatternOf(prefix))));
  return shape;
}

/** The verbs every noun has, with the event each emits; a declaration adds its own (`qualify: 'Qualified'`). */
export const IMPLICIT_VERBS = { create: 'Created', update: 'Updated', delete: 'Deleted' } as const;
export type ImplicitVerb = keyof typeof IMPLICIT_VERBS;

/** Every verb a noun answers to → the event it emits: the implicit three, then the declared ones. */
export function verbEvents(noun: NounSchema): Readonly<Record<string, string>> {
  return { ...IMPLICIT_VERBS, ...noun.verbs };
}

export const DEFAULT_MAX_LENGTH = 1_000;

export class NounDeclarationError extends Error {
  constructor(noun: string, field: string, problem: string) {
    super(`Noun ${noun}: field "${field}": ${problem}`);
    this.name = 'NounDeclarationError';
  }
}

const BASE_TYPES: readonly string[] = ['string', 'number', 'boolean', 'datetime'];
const PASCAL = /^[A-Z][A-Za-z0-9]*$/;
const IDENT = /^[A-Za-z][A-Za-z0-9]*$/;

export function Noun<const N extends string, const D extends Declaration>(
  name: N,
  declaration: D,
  options: NounOptions = {},
): NounSchema<N, D> {
  if (!PASCAL.test(name)) throw new NounDeclarationError(name, '(name)', 'a noun name is one PascalCase word');
  // No prototype: a client's `constructor` or `__proto__` must look up as no field, not as Object's.
  const fields: Record<string, FieldSpec> = Object.create(null);
  const verbs: Record<string, string> = Object.create(null);
  for (const [key, text] of Object.entries(declaration)) {
    if (!IDENT.test(key) || key.startsWith('$'))
      throw new NounDeclarationError(name, key, 'a field name is one identifier');
    if (typeof text !== 'string') throw new NounDeclarationError(name, key, 'the declaration must be a string');
    const parsed = parseFieldString(text, (problem) => new NounDeclarationError(name, key, problem));
    if (parsed.kind === 'verb') verbs[key] = parsed.event;
    else fields[key] = parsed;
  }
  for (const reserved of Object.keys(IMPLICIT_VERBS))
    if (reserved in verbs)
      throw new NounDeclarationError(name, reserved, 'create, update and delete are implicit verbs');
  const computed = new Set(options.computed ?? []);
  const named = [...computed, ...(options.enrichable ?? []), ...(options.personal ?? [])];
  for (const key of [...named, ...Object.keys(options.formats ?? {}), ...Object.keys(options.maxLength ?? {})])
    if (!(key in fields)) throw new NounDeclarationError(name, key, 'an option names a field that is not declared');
  return {
    name,
    declaration,
    fields,
    verbs,
    computed,
    formats: options.formats ?? {},
    maxLength: options.maxLength ?? {},
    idPrefix: options.idPrefix ?? name.toLowerCase(),
    collection: options.collection ?? `${name.toLowerCase()}s`,
    enrichable: options.enrichable ?? [],
    personal: options.personal ?? [],
  };
}

type Parsed = FieldSpec | { readonly kind: 'verb'; readonly event: string };

/** Parses one field string; `fail` builds the error that names the noun and field. */
export function parseFieldString(raw: string, fail: (problem: string) => Error): Parsed {
  const text = raw.trim();
  if (text === '') throw fail('empty declaration');
  if (text.startsWith('->')) return parseReference(text.slice(2).trim(), fail);
  if (text.startsWith('<-')) return parseInverse(text.slice(2).trim(), fail);
  const { body, modifiers } = splitModifiers(text, fail);
  if (body.includes('|')) return { kind: 'enum', values: parseEnum(body, fail), ...modifiers };
  if (BASE_TYPES.includes(body)) return { kind: 'scalar', base: body as BaseType, ...modifiers };
  if (PASCAL.test(body) && text === body) return { kind: 'verb', event: body };
  throw fail(
    `unknown type "${body}" (expected ${BASE_TYPES.join(', ')}, an enum "A | B", "-> Noun.field", ` +
      '"<- Noun.field[]" or a PascalCase event name)',
  );
}

// `!` required, `#` indexed, `##` unique; they may come in either order (`string!##` = `string##!`).
function splitModifiers(text: string, fail: (problem: string) => Error): { body: string; modifiers: Modifiers } {
  const match = /^(.*?)([!#]*)$/.exec(text)!;
  const body = match[1]!.trim();
  const suffix = match[2]!;
  const bangs = suffix.split('').filter((c) => c === '!').length;
  const hashes = suffix.replace(/!/g, '');
  if (bangs > 1) throw fail(`"!" may appear once, got "${suffix}"`);
  if (hashes.length > 2 || (hashes.length > 0 && !/^#+$/.test(hashes)) || /#!#/.test(suffix))
    throw fail(`modifiers must be "!", "#" or "##", got "${suffix}"`);
  if (body === '') throw fail('modifiers without a type');
  return { body, modifiers: { required: bangs === 1, indexed: hashes.length > 0, unique: hashes.length === 2 } };
}

function parseEnum(body: string, fail: (problem: string) => Error): string[] {
  const values = body.split('|').map((v) => v.trim());
  if (values.some((v) => v === '')) throw fail(`enum "${body}" has an empty member`);
  for (const v of values) if (!IDENT.test(v)) throw fail(`enum member "${v}" is not an identifier`);
  if (new Set(values).size !== values.length) throw fail(`enum "${body}" repeats a member`);
  return values;
}

function parseReference(rest: string, fail: (problem: string) => Error): FieldSpec {
  const { body, modifiers } = splitModifiers(rest, fail);
  const match = /^([A-Z][A-Za-z0-9]*)(?:\.([A-Za-z][A-Za-z0-9]*))?$/.exec(body);
  if (!match) throw fail(`reference "-> ${rest}" must read "-> Noun" or "-> Noun.inverseField"`);
  if (modifiers.unique) throw fail('a reference cannot be unique');
  return { kind: 'ref', target: match[1]!, ...(match[2] ? { inverse: match[2] } : {}), ...modifiers, indexed: true };
}

function parseInverse(rest: string, fail: (problem: string) => Error): FieldSpec {
  const match = /^([A-Z][A-Za-z0-9]*)\.([A-Za-z][A-Za-z0-9]*)(\[\])?$/.exec(rest);
  if (!match) throw fail(`inverse "<- ${rest}" must read "<- Noun.field[]"`);
  return { kind: 'inverse', target: match[1]!, field: match[2]!, many: match[3] === '[]' };
}

/** The members of an enum field (`role: 'A | B'` → ['A', 'B']); none when the field is not an enum. */
export function enumValues(noun: NounSchema, field: string): readonly string[] {
  const spec = noun.fields[field];
  return spec?.kind === 'enum' ? spec.values : [];
}

/** Checks that references and inverses of a set of nouns agree with each other. */
export function checkNounGraph(nouns: readonly NounSchema[]): void {
  const byName = new Map(nouns.map((n) => [n.name, n]));
  for (const noun of nouns) {
    for (const [key, spec] of Object.entries(noun.fields)) {
      if (spec.kind !== 'ref' && spec.kind !== 'inverse') continue;
      const target = byName.get(spec.target);
      if (!target) throw new NounDeclarationError(noun.name, key, `unknown noun "${spec.target}"`);
      const other = spec.kind === 'ref' ? spec.inverse : spec.field;
      if (other === undefined) continue;
      const back = target.fields[other];
      const expected = spec.kind === 'ref' ? 'inverse' : 'ref';
      if (!back || back.kind !== expected || back.target !== noun.name)
        throw new NounDeclarationError(
          noun.name,
          key,
          `${spec.target}.${other} must be the matching ${expected} of ${noun.name}.${key}`,
        );
    }
  }
}
