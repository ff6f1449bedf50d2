// The opaque list cursor: base64url of {s: the sort it belongs to, v: sort values, i: last id}. It
// holds a position, not an offset, so paging stays cheap however deep one goes.
import type { Position, Scalar, SortKey } from '../projections/list-query';

export function sortSignature(sort: readonly SortKey[]): string {
  return sort.map((k) => `${k.desc ? '-' : ''}${k.field}`).join(',');
}

export function encodeCursor(sort: readonly SortKey[], position: Position): string {
  const text = JSON.stringify({ s: sortSignature(sort), v: position.values, i: position.id });
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The position a cursor names, or why it cannot be used with this sort. */
export function decodeCursor(sort: readonly SortKey[], raw: string): Position | string {
  let parsed: unknown;
  try {
    const binary = atob(raw.replace(/-/g, '+').replace(/_/g, '/'));
    parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    return 'is not a cursor this API gave out';
  }
  const { s, v, i } = (parsed ?? {}) as { s?: unknown; v?: unknown; i?: unknown };
  if (typeof s !== 'string' || typeof i !== 'string' || !Array.isArray(v) || !v.every(isCursorValue))
    return 'is not a cursor this API gave out';
  if (s !== sortSignature(sort) || v.length !== sort.length) return `belongs to another sort (${s || '$id'})`;
  return { values: v as (Scalar | null)[], id: i };
}

function isCursorValue(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}
