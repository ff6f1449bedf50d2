// A read-model list query: conditions on fields, a sort, a page. Built at the edge from the query
// string or the MCP JSON form (query-parse.ts), sent to the tenant's ReadModel, compiled to SQL there.

export const FILTER_OPS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export type Scalar = string | number | boolean;

export type Condition =
  | { readonly field: string; readonly op: '$eq' | '$ne' | '$gt' | '$gte' | '$lt' | '$lte'; readonly value: Scalar }
  | { readonly field: string; readonly op: '$in' | '$nin'; readonly value: readonly Scalar[] }
  | { readonly field: string; readonly op: '$exists'; readonly value: boolean };

export interface SortKey {
  readonly field: string;
  readonly desc: boolean;
}

/** Where the previous page ended: its last row's sort values and id. */
export interface Position {
  readonly values: readonly (Scalar | null)[];
  readonly id: string;
}

export interface ListQuery {
  readonly noun: string;
  readonly where: readonly Condition[];
  /** Without `$id` at the end: ties are always broken by id, in the direction of the last key. */
  readonly sort: readonly SortKey[];
  readonly limit: number;
  readonly after?: Position;
  readonly include: readonly string[];
  /** A full-text search: an FTS5 match expression (search.ts), joined to the noun's table. */
  readonly search?: string;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1_000;
export const MAX_IN_VALUES = 100;
export const MAX_SORT_KEYS = 4;

/** The sort of a search without one: best match first (FTS5 rank; bm25, lower is better). */
export const RANK = '$rank';
