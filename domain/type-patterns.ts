// Event type patterns for subscribers: `Contact.Created`, `Contact.*`, `*.Created`, `*`, several at once
// (comma-separated on a query string, a list in a WebSocket subscription or a webhook). Pure.
import type { Result } from './result';

const PART = /^(?:\*|[A-Z][A-Za-z0-9]{0,63})$/;
/** At most this many patterns per subscription. */
export const MAX_TYPE_PATTERNS = 50;

export type TypePatterns = readonly string[];

/** The patterns, or why they were refused (a message for the caller). */
export type Parsed = Result<TypePatterns, string>;

/** Checks a list of patterns; an empty list (or `*` among them) means every type. */
export function parseTypePatterns(list: readonly unknown[]): Parsed {
  if (list.length > MAX_TYPE_PATTERNS) return { ok: false, error: `at most ${MAX_TYPE_PATTERNS} type patterns` };
  const patterns: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string') return { ok: false, error: 'type patterns are strings' };
    const pattern = item.trim();
    if (pattern === '*') return { ok: true, value: [] };
    const parts = pattern.split('.');
    if (parts.length !== 2 || !parts.every((p) => PART.test(p)) || pattern === '*.*')
      return { ok: false, error: `"${pattern.slice(0, 80)}" is not a type pattern (Noun.Verb, Noun.*, *.Verb or *)` };
    if (!patterns.includes(pattern)) patterns.push(pattern);
  }
  return { ok: true, value: patterns };
}

/** `a,b,c` from a query string; absent or empty means every type. */
export function parseTypeList(raw: string | null): Parsed {
  if (raw === null || raw.trim() === '') return { ok: true, value: [] };
  return parseTypePatterns(raw.split(','));
}

export function matchesType(patterns: TypePatterns, type: string): boolean {
  if (patterns.length === 0) return true;
  const dot = type.indexOf('.');
  const noun = type.slice(0, dot);
  const verb = type.slice(dot + 1);
  return patterns.some((p) => {
    const [pn, pv] = p.split('.') as [string, string];
    return (pn === '*' || pn === noun) && (pv === '*' || pv === verb);
  });
}

/** SQL LIKE forms of the patterns (names hold no `%` or `_`, so nothing needs escaping). */
export function likeForms(patterns: TypePatterns): string[] {
  return patterns.map((p) => p.replaceAll('*', '%'));
}
