// The fields of a noun that every write checks or indexes (required, references, unique values),
// listed once per noun: validate, decide and the store's reindex run per request or event, and walking
// every field of the schema each time was a fifth of the in-DO create profile.
import type { FieldSpec, NounSchema } from './noun';

type RefSpec = Extract<FieldSpec, { kind: 'ref' }>;

export interface FieldLists {
  /** Required fields a create must carry (inverses are never written). */
  readonly required: readonly string[];
  readonly refs: readonly (readonly [string, RefSpec])[];
  /** References to the noun itself (a contact's manager, an organization's parent): the ones that can loop. */
  readonly selfRefs: readonly string[];
  /** References and inverses: what `include` may name, on a single read, a list or an MCP tool. */
  readonly includable: readonly string[];
  /** Unique fields, references included: what decide checks. */
  readonly uniques: readonly string[];
  /** Unique fields that are not references: what the uniques table holds (references go to refs). */
  readonly uniqueValues: readonly string[];
}

const byNoun = new WeakMap<NounSchema, FieldLists>();

export function fieldLists(noun: NounSchema): FieldLists {
  let fields = byNoun.get(noun);
  if (!fields) {
    const entries = Object.entries(noun.fields);
    fields = {
      required: entries.flatMap(([key, spec]) => (spec.kind !== 'inverse' && spec.required ? [key] : [])),
      refs: entries.flatMap(([key, spec]) => (spec.kind === 'ref' ? [[key, spec] as const] : [])),
      includable: entries.flatMap(([key, spec]) => (spec.kind === 'ref' || spec.kind === 'inverse' ? [key] : [])),
      selfRefs: entries.flatMap(([key, spec]) => (spec.kind === 'ref' && spec.target === noun.name ? [key] : [])),
      uniques: entries.flatMap(([key, spec]) => (spec.kind !== 'inverse' && spec.unique ? [key] : [])),
      uniqueValues: entries.flatMap(([key, spec]) =>
        spec.kind !== 'inverse' && spec.kind !== 'ref' && spec.unique ? [key] : [],
      ),
    };
    byNoun.set(noun, fields);
  }
  return fields;
}
