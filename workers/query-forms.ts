// The two forms of a list query: the REST query string and the MCP JSON body (`POST /~t/query`).
import { fieldLists } from '../domain/field-lists';
import type { NounSchema } from '../domain/noun';
import { nounByCollection, nounByName } from '../domain/nouns';
import { isPlainObject } from '../domain/validate';
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  RANK,
  type Condition,
  type ListQuery,
  type SortKey,
} from '../projections/list-query';
import { condition, parseCursor, parseLimit, parseSortJson, parseSortText } from './query-parse';
import type { Result } from '../shared/protocol';
import { searchExpression } from '../projections/search';

const RESERVED = new Set(['limit', 'cursor', 'sort', 'include', 'q']);
const BRACKETED = /^([^[\]]+)\[([a-z]+)\]$/;
/** SQLite refuses an expression tree over 100 deep, and the conditions are ANDed: a clear 400 first. */
export const MAX_CONDITIONS = 32;

/** `?stage=Qualified&role=DecisionMaker&leadScore[gte]=40&sort=-leadScore&limit=50&cursor=…&include=organization`. */
export function listQueryFromParams(noun: NounSchema, params: URLSearchParams): Result<ListQuery> {
  const where: Condition[] = [];
  for (const [key, value] of params) {
    if (RESERVED.has(key)) continue;
    const bracket = BRACKETED.exec(key);
    const parsed = bracket
      ? condition(noun, bracket[1]!, `$${bracket[2]}`, value, true, `?${key}`)
      : condition(noun, key, '$eq', value, true, `?${key}`);
    if (!parsed.ok) return parsed;
    where.push(parsed.value);
    if (where.length > MAX_CONDITIONS) return tooMany('?');
  }
  for (const name of ['sort', 'limit', 'cursor', 'include', 'q'])
    if (params.getAll(name).length > 1)
      return {
        ok: false,
        error: {
          code: 'bad_request',
          message: `give ${name} once`,
          errors: [{ path: `?${name}`, message: 'repeated' }],
        },
      };
  const search = searchExpression(params.get('q') ?? undefined, '?q');
  if (!search.ok) return search;
  const sort = parseSortText(noun, params.get('sort') ?? '');
  if (!sort.ok) return sort;
  const sorted = rankedWhenSearching(sort.value, search.value);
  const limit = parseLimit(params.get('limit'), true, MAX_LIMIT, DEFAULT_LIMIT, '?limit');
  if (!limit.ok) return limit;
  const after = parseCursor(sorted, params.get('cursor'), '?cursor');
  if (!after.ok) return after;
  const include = includeNames(noun, (params.get('include') ?? '').split(','), '?include');
  if (!include.ok) return include;
  return {
    ok: true,
    value: {
      noun: noun.name,
      where,
      sort: sorted,
      limit: limit.value,
      include: include.value,
      ...(after.value ? { after: after.value } : {}),
      ...(search.value ? { search: search.value } : {}),
    },
  };
}

/** `{type, filter, sort, limit, cursor, include}`; type is a noun (`Contact`) or a collection (`contacts`). */
export function listQueryFromJson(body: unknown): Result<ListQuery> {
  if (!isPlainObject(body)) return fail('send {type, filter, sort, limit, cursor}', '/');
  const unknown = Object.keys(body).filter(
    (k) => !['type', 'filter', 'sort', 'limit', 'cursor', 'include', 'query'].includes(k),
  );
  if (unknown.length)
    return {
      ok: false,
      error: {
        code: 'bad_request',
        message: 'unknown query fields',
        errors: unknown.map((k) => ({ path: `/${k}`, message: 'is not a query field' })),
      },
    };
  const noun =
    typeof body['type'] === 'string' ? (nounByName.get(body['type']) ?? nounByCollection.get(body['type'])) : undefined;
  if (!noun) return fail('type must name a noun, like Contact', '/type');
  const where = conditionsOf(noun, body['filter'] ?? {});
  if (!where.ok) return where;
  const search = searchExpression(body['query'], '/query');
  if (!search.ok) return search;
  const sort = parseSortJson(noun, body['sort']);
  if (!sort.ok) return sort;
  const sorted = rankedWhenSearching(sort.value, search.value);
  const limit = parseLimit(body['limit'], false, MAX_LIMIT, DEFAULT_LIMIT, '/limit');
  if (!limit.ok) return limit;
  const after = parseCursor(sorted, body['cursor'], '/cursor');
  if (!after.ok) return after;
  const rawInclude = body['include'] ?? [];
  if (!Array.isArray(rawInclude) || !rawInclude.every((n) => typeof n === 'string'))
    return fail('include is a list of field names', '/include');
  const include = includeNames(noun, rawInclude as string[], '/include');
  if (!include.ok) return include;
  return {
    ok: true,
    value: {
      noun: noun.name,
      where: where.value,
      sort: sorted,
      limit: limit.value,
      include: include.value,
      ...(after.value ? { after: after.value } : {}),
      ...(search.value ? { search: search.value } : {}),
    },
  };
}

/** A search without a sort of its own lists the best matches first. */
function rankedWhenSearching(sort: SortKey[], search: string | undefined): SortKey[] {
  return search !== undefined && sort.length === 0 ? [{ field: RANK, desc: false }] : sort;
}

// `{stage: 'Lead'}` is $eq; `{leadScore: {$gte: 40, $lt: 80}}` is one condition per operator.
function conditionsOf(noun: NounSchema, filter: unknown): Result<Condition[]> {
  if (!isPlainObject(filter)) return fail('filter is an object of field: value or field: {$op: value}', '/filter');
  const where: Condition[] = [];
  for (const [field, spec] of Object.entries(filter)) {
    const path = `/filter/${field}`;
    const pairs = isPlainObject(spec) ? Object.entries(spec) : [['$eq', spec] as const];
    if (pairs.length === 0) return fail(`filter on ${field} names no operator`, path);
    for (const [op, value] of pairs) {
      const parsed = condition(noun, field, op, value, false, isPlainObject(spec) ? `${path}/${op}` : path);
      if (!parsed.ok) return parsed;
      where.push(parsed.value);
      if (where.length > MAX_CONDITIONS) return tooMany('/filter');
    }
  }
  return { ok: true, value: where };
}

function tooMany(path: string): Result<never> {
  return fail(`filter with at most ${MAX_CONDITIONS} conditions (one per field and operator)`, path);
}

/** References and inverses may be included, as on a single read. */
export function includeNames(noun: NounSchema, raw: readonly string[], path: string): Result<string[]> {
  const names = [...new Set(raw.map((s) => s.trim()).filter(Boolean))];
  const allowed = fieldLists(noun).includable;
  const unknown = names.filter((n) => !allowed.includes(n));
  if (unknown.length)
    return {
      ok: false,
      error: {
        code: 'bad_request',
        message: `include takes ${allowed.join(', ')}`,
        errors: unknown.map((n) => ({ path, message: `${n} cannot be included` })),
      },
    };
  return { ok: true, value: names };
}

function fail(message: string, path: string): Result<never> {
  return { ok: false, error: { code: 'bad_request', message, errors: [{ path, message }] } };
}
