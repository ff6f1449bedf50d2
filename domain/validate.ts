// Request shape, checked once at the edge from the noun schema (types, enums, formats, lengths,
// writability). Rules that depend on stored state (uniqueness, live references) belong to decide.
import { fieldLists } from './field-lists';
import { checkDatetime, FORMAT_CHECKS } from './formats';
import { DEFAULT_MAX_LENGTH, idShape, type FieldSpec, type NounSchema } from './noun';
import { nounByName } from './nouns';
import { refused, type Checked, type FieldError } from './result';

export type { FieldError } from './result';

/** `echoed`: metadata and computed values sent back from a representation; decide compares them.
 *  Refused `bad_request` for a body of the wrong shape or unknown fields, `invalid` for unacceptable values. */
export type Validated = Checked<{ readonly data: Record<string, unknown>; readonly echoed: Record<string, unknown> }>;

export type Mode = 'create' | 'update';

/** The `$` metadata of a representation: an update may send it back unchanged (GET → edit → PATCH). */
export const METADATA_FIELDS: ReadonlySet<string> = new Set(['$id', '$type', '$version', '$createdAt', '$updatedAt']);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a create (all required fields) or update (partial; null clears) body against a noun.
 *  With `echoes`, an update's metadata and computed fields are returned in `echoed`, not refused. */
export function validateFields(noun: NounSchema, body: unknown, mode: Mode, basePath = '', echoes = false): Validated {
  if (!isPlainObject(body))
    return refused('bad_request', [{ path: basePath || '/', message: 'must be a JSON object' }]);
  const unknown: FieldError[] = [];
  const invalid: FieldError[] = [];
  const data: Record<string, unknown> = {};
  const echoed: Record<string, unknown> = {};
  const echoing = echoes && mode === 'update';
  for (const [key, value] of Object.entries(body)) {
    const path = `${basePath}/${key}`;
    const spec = noun.fields[key];
    if (echoing && (METADATA_FIELDS.has(key) || noun.computed.has(key))) {
      echoed[key] = value;
      continue;
    }
    if (!spec) {
      if (key.startsWith('$')) invalid.push({ path, message: 'is metadata and read-only' });
      else unknown.push({ path, message: `is not a field of ${noun.name}` });
      continue;
    }
    if (spec.kind === 'inverse') {
      invalid.push({ path, message: `is computed from ${spec.target}.${spec.field} and read-only` });
      continue;
    }
    if (noun.computed.has(key)) {
      invalid.push({ path, message: 'is computed and read-only' });
      continue;
    }
    if (value === null) {
      if (spec.required) invalid.push({ path, message: 'is required and cannot be null' });
      else if (mode === 'update') data[key] = null;
      continue;
    }
    const message = checkValue(noun, key, spec, value);
    if (message) invalid.push({ path, message });
    else data[key] = typeof value === 'string' ? value.trim() : value;
  }
  if (mode === 'create')
    for (const key of fieldLists(noun).required)
      if ((body[key] === undefined || body[key] === null) && !invalid.some((e) => e.path === `${basePath}/${key}`))
        invalid.push({ path: `${basePath}/${key}`, message: 'is required' });
  if (unknown.length) return refused('bad_request', [...unknown, ...invalid]);
  if (invalid.length) return refused('invalid', invalid);
  return { ok: true, value: { data, echoed } };
}

function checkValue(
  noun: NounSchema,
  key: string,
  spec: Exclude<FieldSpec, { kind: 'inverse' }>,
  value: unknown,
): string | undefined {
  switch (spec.kind) {
    case 'scalar':
      // A unique value is a key: absent (null) or something, never the empty string.
      return checkScalar(noun, key, spec.base, spec.required || spec.unique, value);
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value)
        ? undefined
        : `must be one of ${spec.values.join(', ')}`;
    case 'ref': {
      const target = nounByName.get(spec.target)!;
      const shape = idShape(target.idPrefix);
      return typeof value === 'string' && shape.test(value)
        ? undefined
        : `must be the id of a ${spec.target} (${target.idPrefix}_…)`;
    }
    default: {
      const _exhaustive: never = spec;
      return _exhaustive;
    }
  }
}

function checkScalar(
  noun: NounSchema,
  key: string,
  base: string,
  nonEmpty: boolean,
  value: unknown,
): string | undefined {
  switch (base) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a finite number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'datetime':
      return typeof value === 'string' ? checkDatetime(value) : 'must be a date-time string';
    default: {
      if (typeof value !== 'string') return 'must be a string';
      // The cap applies to what is stored: the trimmed value.
      const trimmed = value.trim();
      const max = noun.maxLength[key] ?? DEFAULT_MAX_LENGTH;
      if (trimmed.length > max) return `must be at most ${max} characters`;
      if (nonEmpty && trimmed === '') return 'must not be empty';
      const format = noun.formats[key];
      return format ? FORMAT_CHECKS[format](trimmed) : undefined;
    }
  }
}
