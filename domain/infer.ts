// TypeScript types read off the very field strings of a Noun declaration, so the types and the
// runtime parser cannot drift apart: `Fields<typeof Contact>` is the shape of a stored contact.
import type { Declaration, NounSchema } from './noun';

type Trim<S extends string> = S extends ` ${infer R}` ? Trim<R> : S extends `${infer L} ` ? Trim<L> : S;
type StripModifiers<S extends string> = S extends `${infer B}!`
  ? StripModifiers<B>
  : S extends `${infer B}#`
    ? StripModifiers<B>
    : Trim<S>;
type EnumMembers<S extends string> = S extends `${infer A}|${infer Rest}` ? Trim<A> | EnumMembers<Rest> : Trim<S>;

/** The value type one field string declares; `never` for verbs and inverses (not stored). */
export type FieldValue<S extends string> = S extends `->${string}`
  ? string
  : S extends `<-${string}`
    ? never
    : StripModifiers<S> extends infer B extends string
      ? B extends 'string' | 'datetime'
        ? string
        : B extends 'number'
          ? number
          : B extends 'boolean'
            ? boolean
            : B extends `${string}|${string}`
              ? EnumMembers<B>
              : never
      : never;

/** Whether a field string declares a verb: one PascalCase word (`'Qualified'`), not a type. */
export type IsVerb<S> = S extends `${string}|${string}` | `${string} ${string}`
  ? false
  : S extends `${infer C}${string}`
    ? C extends Lowercase<C>
      ? false
      : true
    : false;
/** The verbs a noun declares (`qualify`, …), without the implicit create, update and delete. */
export type DeclaredVerbs<T> =
  T extends NounSchema<string, infer D> ? { [K in keyof D]: IsVerb<D[K]> extends true ? K : never }[keyof D] : never;

type IsRequired<S extends string> = S extends `->${string}`
  ? S extends `${string}!${string}`
    ? true
    : false
  : S extends `${string}!${string}`
    ? true
    : false;

type StoredKeys<D extends Declaration> = { [K in keyof D]: FieldValue<D[K]> extends never ? never : K }[keyof D];
type RequiredKeys<D extends Declaration> = {
  [K in StoredKeys<D>]: IsRequired<D[K]> extends true ? K : never;
}[StoredKeys<D>];

/** The stored fields of a noun: required ones required, the rest optional. */
export type Fields<T> =
  T extends NounSchema<string, infer D>
    ? { [K in RequiredKeys<D>]: FieldValue<D[K]> } & {
        [K in Exclude<StoredKeys<D>, RequiredKeys<D>>]?: FieldValue<D[K]>;
      }
    : never;

/** What a client reads: the fields plus the `$` metadata. */
export type Representation<T> = Fields<T> & {
  $id: string;
  $type: T extends NounSchema<infer N> ? N : string;
  $version: number;
  $createdAt: string;
  $updatedAt: string;
};
