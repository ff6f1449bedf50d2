// JSON Schema (2020-12) read off the Noun declarations: one emitter for the OpenAPI document and the
// MCP tools. It says what domain/validate.ts checks at the edge, so a standard validator agrees with
// ours on a body (test/node/json-schema.test.ts); rules that need stored state (uniqueness, live
// references, the stage machine) are decide's and no schema can say them.
import { DEFAULT_MAX_LENGTH, idPatternOf, verbEvents, type FieldSpec, type NounSchema } from './noun';
import { nounByName } from './nouns';
import { EMAIL_PATTERN } from './formats';
import { ENRICHABLE_FIELDS } from './verbs/enrich';
import { MAX_MERGE_SOURCES } from './verbs/merge';
import { MAX_VERB_TEXT } from './verbs/drafts';

export type JsonSchema = { readonly [key: string]: unknown };
export type SchemaMode = 'create' | 'update' | 'representation';

/** `contact_` + a ULID: the shape of an id of a noun. */
export function idPattern(noun: NounSchema): string {
  return idPatternOf(noun.idPrefix);
}

const DATE_TIME = { type: 'string', format: 'date-time' } as const;
const FORMAT_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  email: { format: 'email', pattern: EMAIL_PATTERN },
  url: { format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' },
  timezone: { format: 'timezone' },
  language: { format: 'language' },
};

/** The schema of one stored value of a field (no null). */
export function valueSchema(noun: NounSchema, key: string, spec: Exclude<FieldSpec, { kind: 'inverse' }>): JsonSchema {
  switch (spec.kind) {
    case 'enum':
      return { type: 'string', enum: [...spec.values] };
    case 'ref': {
      const target = nounByName.get(spec.target)!;
      return { type: 'string', pattern: idPattern(target), description: `the id of a ${spec.target}` };
    }
    case 'scalar': {
      if (spec.base === 'number') return { type: 'number' };
      if (spec.base === 'boolean') return { type: 'boolean' };
      if (spec.base === 'datetime') return DATE_TIME;
      const format = noun.formats[key];
      // The edge trims before it checks: a unique or required string must hold a non-space character.
      return {
        type: 'string',
        maxLength: noun.maxLength[key] ?? DEFAULT_MAX_LENGTH,
        ...(spec.required || spec.unique ? { pattern: '\\S' } : {}),
        ...(format ? FORMAT_SCHEMAS[format] : {}),
      };
    }
    default: {
      const _exhaustive: never = spec;
      return _exhaustive;
    }
  }
}

const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
const METADATA: Readonly<Record<string, (noun: NounSchema) => JsonSchema>> = {
  $id: (noun) => ({ type: 'string', pattern: idPattern(noun) }),
  $type: (noun) => ({ const: noun.name }),
  $version: () => ({ type: 'integer', minimum: 1 }),
  $createdAt: () => DATE_TIME,
  $updatedAt: () => DATE_TIME,
};

/**
 * A noun's body for a create, a PATCH (partial; null clears; a representation's `$` metadata and
 * computed fields may be sent back and are compared with the current ones), or what a read answers.
 */
export function jsonSchemaOf(noun: NounSchema, mode: SchemaMode): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [key, spec] of Object.entries(noun.fields)) {
    if (spec.kind === 'inverse') {
      if (mode === 'representation')
        properties[key] = {
          type: 'array',
          items: { type: 'object' },
          readOnly: true,
          description: `with include=${key}: the ${spec.target}s pointing here`,
        };
      continue;
    }
    const value = valueSchema(noun, key, spec);
    if (noun.computed.has(key)) {
      if (mode === 'representation') properties[key] = { ...value, readOnly: true };
      else if (mode === 'update') properties[key] = { description: 'computed: ignored when sent back unchanged' };
      continue;
    }
    if (mode === 'representation') {
      properties[key] = spec.kind === 'ref' ? { anyOf: [value, { type: 'object' }, { type: 'null' }] } : value;
      continue;
    }
    // A create ignores null on an optional field; an update clears it. A required field is never null.
    properties[key] = spec.required ? value : nullable(value);
    if (mode === 'create' && spec.required) required.push(key);
  }
  // `$` members go under patternProperties: some tools read a property named `$id` as the keyword.
  const metadata: Record<string, JsonSchema> = {};
  if (mode !== 'create')
    for (const [key, schema] of Object.entries(METADATA))
      metadata[`^\\${key}$`] =
        mode === 'representation'
          ? { ...schema(noun), readOnly: true }
          : { description: `${key} sent back from a representation` };
  if (mode === 'representation') required.push(...Object.keys(METADATA));
  return {
    title: mode === 'representation' ? noun.name : `${noun.name} (${mode})`,
    type: 'object',
    properties,
    ...(mode === 'create' ? {} : { patternProperties: metadata }),
    ...(required.length ? { required } : {}),
    // A representation may carry included entities; a body may carry nothing unknown (400).
    additionalProperties: mode === 'representation',
  };
}

/** The body of a verb: create and update from the noun; the Contact verbs their own small shapes. */
export function verbBodySchema(noun: NounSchema, verb: string): JsonSchema {
  const object = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    additionalProperties: false,
  });
  switch (verb) {
    case 'create':
    case 'update':
      return jsonSchemaOf(noun, verb);
    case 'delete':
    case 'qualify':
      return object({});
    case 'assign':
      return object({ owner: { type: 'string', minLength: 1, maxLength: MAX_VERB_TEXT, pattern: '\\S' } }, ['owner']);
    case 'merge': {
      const id = { type: 'string', pattern: idPattern(noun) };
      return object(
        { sources: { type: 'array', items: id, minItems: 1, maxItems: MAX_MERGE_SOURCES, uniqueItems: true } },
        ['sources'],
      );
    }
    case 'enrich':
      return object(
        {
          data: fieldsObject(noun, ENRICHABLE_FIELDS, []),
          source: { type: 'string', maxLength: MAX_VERB_TEXT, pattern: '\\S' },
          overwrite: { type: 'boolean' },
        },
        ['source'],
      );
    case 'capture':
      return fieldsObject(
        noun,
        Object.keys(noun.fields).filter((k) => k !== 'stage'),
        ['email'],
      );
    default:
      return object({});
  }
}

// Some of a noun's writable fields, never null (enrich fills values; a capture carries them).
function fieldsObject(noun: NounSchema, keys: readonly string[], required: string[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const key of keys) {
    const spec = noun.fields[key];
    if (spec && spec.kind !== 'inverse' && !noun.computed.has(key)) properties[key] = valueSchema(noun, key, spec);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false };
}

/** Every verb a noun answers to: the implicit three and the declared ones. */
export function verbsOf(noun: NounSchema): string[] {
  return Object.keys(verbEvents(noun));
}
