// Full-text search words to an FTS5 match expression: each word a quoted prefix (`ali` finds Alice),
// all of them required. Quoting makes every word a plain string, so no FTS5 syntax reaches the index.
import type { Result } from '../shared/protocol';

export const MAX_SEARCH_LENGTH = 200;
export const MAX_SEARCH_WORDS = 8;

/** `"chen"* "acme"*` from `Chen, acme`; undefined when there is no search. */
export function searchExpression(raw: unknown, path: string): Result<string | undefined> {
  if (raw === undefined || raw === null) return { ok: true, value: undefined };
  const bad = (message: string): Result<never> => ({
    ok: false,
    error: { code: 'bad_request', message, errors: [{ path, message }] },
  });
  if (typeof raw !== 'string') return bad('a search is a string of words');
  if (raw.length > MAX_SEARCH_LENGTH) return bad(`a search is at most ${MAX_SEARCH_LENGTH} characters`);
  const words = raw.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return bad('a search needs at least one word');
  if (words.length > MAX_SEARCH_WORDS) return bad(`a search has at most ${MAX_SEARCH_WORDS} words`);
  return { ok: true, value: words.map((w) => `"${w}"*`).join(' ') };
}
