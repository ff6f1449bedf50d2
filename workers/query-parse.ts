// Reading list queries at the edge, from the noun schema: `?stage=Qualified&leadScore[gte]=40&sort=-leadScore`
// and the MCP form `{type, filter: {stage: 'Lead', leadScore: {$gte: 40}}, sort: {leadScore: 'desc'}}`.
// Unknown fields, operators and shapes are 400; values a field cannot hold are 422.
import { checkDatetime } from '../domain/formats';
import type { NounSchema } from '../domain/noun';
import type { Result } from '../shared/protocol';
import { decodeCursor } from './cursor';
import {
  FILTER_OPS,
  MAX_IN_VALUES,
  MAX_SORT_KEYS,
  type Condition,
  type FilterOp,
  type Scalar,
  type SortKey,
} from '../projections/list-query';
import { SYSTEM_COLUMNS, tableFor, type StoredSpec } from '../projections/tables';

const bad = (message: string, path: string, detail = message): Result<never> => ({
  ok: false,
  error: { code: 'bad_request', message, errors: [{ path, message: detail }] },
});
const invalid = (message: string, path: string): Result<never> => ({
  ok: false,
  error: { code: 'invalid', message, errors: [{ path, message }] },
});

type FieldKind = StoredSpec | { readonly kind: 'system' };

/** What a field of a noun holds, or undefined when it cannot be filtered or sorted by. */
export function fieldKind(noun: NounSchema, field: string): FieldKind | undefined {
  if (Object.hasOwn(SYSTEM_COLUMNS, field)) return { kind: 'system' };
  return tableFor(noun.name).byField.get(field)?.spec;
}

/** One value for a field, from the query string (text) or JSON. */
function coerce(kind: FieldKind, raw: unknown, fromText: boolean): Scalar | string[] {
  if (kind.kind === 'scalar' && kind.base === 'number') {
    const n = fromText && typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    return typeof n === 'number' && Number.isFinite(n) ? n : ['must be a number'];
  }
  if (kind.kind === 'scalar' && kind.base === 'boolean') {
    const b = fromText && (raw === 'true' || raw === 'false') ? raw === 'true' : raw;
    return typeof b === 'boolean' ? b : ['must be true or false'];
  }
  if (typeof raw !== 'string') return ['must be a string'];
  if (kind.kind === 'enum' && !kind.values.includes(raw)) return [`must be one of ${kind.values.join(', ')}`];
  if (kind.kind === 'scalar' && kind.base === 'datetime') {
    const problem = checkDatetime(raw);
    if (problem) return [problem];
  }
  return raw;
}

/** A condition on one field with one operator; `raw` is text (query string) or JSON. */
export function condition(
  noun: NounSchema,
  field: string,
  op: string,
  raw: unknown,
  fromText: boolean,
  path: string,
): Result<Condition> {
  const kind = fieldKind(noun, field);
  if (!kind) return bad(`cannot filter ${noun.collection} by ${field}`, path, 'is not a stored field');
  if (!(FILTER_OPS as readonly string[]).includes(op))
    return bad(`unknown operator ${op}`, path, `operators are ${FILTER_OPS.join(' ')}`);
  const filterOp = op as FilterOp;
  if (filterOp === '$exists') {
    const flag = coerce(
      { kind: 'scalar', base: 'boolean', required: false, indexed: false, unique: false },
      raw,
      fromText,
    );
    return typeof flag === 'boolean'
      ? { ok: true, value: { field, op: filterOp, value: flag } }
      : invalid(`${field}[exists] must be true or false`, path);
  }
  if (filterOp === '$in' || filterOp === '$nin') {
    const items = fromText && typeof raw === 'string' ? raw.split(',') : raw;
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_IN_VALUES)
      return bad(`${op} takes a list of 1 to ${MAX_IN_VALUES} values`, path);
    const values: Scalar[] = [];
    for (const item of items) {
      const value = coerce(kind, item, fromText);
      if (Array.isArray(value)) return invalid(`${field}: ${value[0]}`, path);
      values.push(value);
    }
    return { ok: true, value: { field, op: filterOp, value: values } };
  }
  const value = coerce(kind, raw, fromText);
  if (Array.isArray(value)) return invalid(`${field}: ${value[0]}`, path);
  return { ok: true, value: { field, op: filterOp, value } };
}

/** `-leadScore,name` → keys; `$id` last is implied. */
export function parseSortText(noun: NounSchema, raw: string, path = '?sort'): Result<SortKey[]> {
  const keys = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s.startsWith('-') ? { field: s.slice(1), desc: true } : { field: s.replace(/^\+/, ''), desc: false }));
  return checkSort(noun, keys, path);
}

/** `{leadScore: 'desc'}` (keys in order), `"-leadScore"`, or `[{field, order}]`. */
export function parseSortJson(noun: NounSchema, raw: unknown, path = '/sort'): Result<SortKey[]> {
  if (raw === undefined || raw === null) return { ok: true, value: [] };
  if (typeof raw === 'string') return parseSortText(noun, raw, path);
  if (typeof raw !== 'object' || Array.isArray(raw)) return bad('sort is {field: "asc" | "desc"} or "-field"', path);
  const keys: SortKey[] = [];
  for (const [field, order] of Object.entries(raw)) {
    if (order !== 'asc' && order !== 'desc' && order !== 1 && order !== -1)
      return bad(`sort order of ${field} must be asc or desc`, `${path}/${field}`);
    keys.push({ field, desc: order === 'desc' || order === -1 });
  }
  return checkSort(noun, keys, path);
}

function checkSort(noun: NounSchema, keys: SortKey[], path: string): Result<SortKey[]> {
  if (keys.length > MAX_SORT_KEYS) return bad(`sort by at most ${MAX_SORT_KEYS} fields`, path);
  for (const key of keys)
    if (!fieldKind(noun, key.field))
      return bad(`cannot sort ${noun.collection} by ${key.field}`, path, `${key.field} is not a stored field`);
  if (new Set(keys.map((k) => k.field)).size !== keys.length) return bad('sort names a field twice', path);
  // An explicit trailing $id is the implied tie-break; keep the signature canonical.
  return { ok: true, value: keys.at(-1)?.field === '$id' && keys.length > 1 ? keys.slice(0, -1) : keys };
}

export function parseLimit(
  raw: unknown,
  fromText: boolean,
  max: number,
  fallback: number,
  path: string,
): Result<number> {
  if (raw === undefined || raw === null) return { ok: true, value: fallback };
  const n = fromText && typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= max
    ? { ok: true, value: n }
    : bad(`limit must be a whole number from 1 to ${max}`, path, 'out of range');
}

export function parseCursor(
  sort: readonly SortKey[],
  raw: unknown,
  path: string,
): Result<(ReturnType<typeof decodeCursor> & object) | undefined> {
  if (raw === undefined || raw === null) return { ok: true, value: undefined };
  if (typeof raw !== 'string') return bad('cursor must be a string', path);
  const position = decodeCursor(sort, raw);
  return typeof position === 'string' ? bad(`cursor ${position}`, path, position) : { ok: true, value: position };
}
