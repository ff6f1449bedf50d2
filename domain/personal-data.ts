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
    } else if (out.includes(value)) out = out.split(value).join(ERASED);
  }
  return out;
}

/** A JSON value with every string (keys left alone) redacted. */
export function redactDeep<T>(node: T, values: readonly string[]): T {
  if (typeof node === 'string') return redactString(node, values) as T;
  if (Array.isArray(node)) return node.map((item) => redactDeep(item, values)) as T;
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, redactDeep(v, values)])) as T;
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
