// Personal data, declared once in the nouns (the `personal` option): which fields of which noun hold a
// person's values. An
// erasure finds every value those fields ever held (in the person's own events) and redacts each one
// wherever it occurs in stored strings, so derived strings ("Follow up with Alice Chen") go too.

import { NOUNS } from './nouns';

/** Noun → its personal fields, read off each noun's `personal` option (domain/nouns.ts). */
export const PERSONAL_FIELDS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  NOUNS.filter((noun) => noun.personal.length > 0).map((noun) => [noun.name, noun.personal]),
);

/** What an erased value reads as, in events, state, the read model and exports. */
export const ERASED = '[erased]';

/** Values shorter than this are redacted only where a whole string equals them ("Al" in "Sales" stays). */
const MIN_SUBSTRING = 4;

/** Every string a personal field held in these event payloads (created data, changes' from and to). */
export function personalValuesIn(noun: string, payloads: Iterable<Readonly<Record<string, unknown>>>): string[] {
  const fields = new Set(PERSONAL_FIELDS[noun] ?? []);
  const values = new Set<string>();
  const take = (value: unknown) => {
    if (typeof value === 'string' && value !== '' && value !== ERASED) {
      values.add(value);
      if (value.includes('@')) values.add(value.toLowerCase());
    }
  };
  const visit = (node: unknown, personal: boolean): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, personal);
      return;
    }
    if (node === null || typeof node !== 'object') {
      if (personal) take(node);
      return;
    }
    for (const [key, value] of Object.entries(node))
      visit(value, fields.has(key) || (personal && (key === 'from' || key === 'to')));
  };
  for (const payload of payloads) visit(payload, false);
  return [...values].sort((a, b) => b.length - a.length);
}

/** A string with every occurrence of the values replaced by ERASED (longest first). */
export function redactString(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) {
    if (value.length < MIN_SUBSTRING) {
      if (out === value) out = ERASED;
    } else if (out.includes(value)) out = out.replace(wholeWord(value), ERASED);
  }
  return out;
}

// A value counts where it stands as words of its own: erasing "Mark" leaves "Marketing Q3" alone.
const wholeWords = new Map<string, RegExp>();
function wholeWord(value: string): RegExp {
  let pattern = wholeWords.get(value);
  if (!pattern) {
    if (wholeWords.size >= 1_000) wholeWords.clear(); // one erasure's values; never a growing cache
    const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'gu');
    wholeWords.set(value, pattern);
  }
  pattern.lastIndex = 0;
  return pattern;
}

// Enum fields hold the schema's own words (a stage "Lead", a type "Email"), never a person's: a first name
// that happens to be one of them must not rewrite them.
const ENUM_FIELDS = new Set(
  NOUNS.flatMap((noun) =>
    Object.entries(noun.fields)
      .filter(([, f]) => f.kind === 'enum')
      .map(([name]) => name),
  ),
);

/** A JSON value with every string (keys left alone, enum fields skipped) redacted. */
export function redactDeep<T>(node: T, values: readonly string[]): T {
  if (typeof node === 'string') return redactString(node, values) as T;
  if (Array.isArray(node)) return node.map((item) => redactDeep(item, values)) as T;
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, ENUM_FIELDS.has(k) ? v : redactDeep(v, values)]),
  ) as T;
}

/** What the chained erasure record carries: the events it redacted and the hash of each one's new data. */
export interface ErasureRecord {
  readonly subject: string;
  readonly fields: readonly string[];
  readonly redacted: readonly { readonly seq: number; readonly datahash: string }[];
}

export const ERASED_EVENT = 'Erased';

export function isErasureEvent(type: string): boolean {
  return type.endsWith(`.${ERASED_EVENT}`);
}

/** The erasure record's redactions, when its data has the documented shape. */
export function redactionsOf(data: Readonly<Record<string, unknown>>): { seq: number; datahash: string }[] | undefined {
  const list = data['redacted'];
  if (!Array.isArray(list)) return undefined;
  const out: { seq: number; datahash: string }[] = [];
  for (const item of list) {
    const seq: unknown = item?.seq;
    const datahash: unknown = item?.datahash;
    if (typeof seq !== 'number' || !Number.isInteger(seq) || typeof datahash !== 'string') return undefined;
    out.push({ seq, datahash });
  }
  return out;
}
