// biome-ignore-all lint/suspicious/noExplicitAny: typed per noun by HookedNoun; the generic body takes any noun
// The nouns as the spec's SDK shows them (`import { Contact } from '@headlessly/crm'`): each schema
// plus hook registration derived from its verbs (creating/created, …, qualifying/qualified).
import { gerund, HookRegistry, participle, type AfterHook, type BeforeHook } from './hooks';
import type { IsVerb, Representation } from './infer';
import { type IMPLICIT_VERBS, verbEvents, type Declaration, type NounSchema } from './noun';
import * as schemas from './nouns';
import { installDefaultHooks } from './default-hooks';

type Gerund<V extends string> = V extends `${infer S}e` ? `${S}ing` : `${V}ing`;
type VerbEvents<D extends Declaration> = {
  [K in keyof D as K extends string ? (IsVerb<D[K]> extends true ? K : never) : never]: D[K];
} & typeof IMPLICIT_VERBS;

/** `qualifying(fn)` / `qualified(fn)` for each verb of a noun, typed off its declaration. */
export type HookMethods<T> =
  T extends NounSchema<string, infer D>
    ? {
        [V in keyof VerbEvents<D> & string as Gerund<V>]: (
          fn: BeforeHook<Representation<T>>,
          name?: string,
        ) => () => void;
      } & {
        [V in keyof VerbEvents<D> & string as Uncapitalize<VerbEvents<D>[V] & string>]: (
          fn: AfterHook<Representation<T>>,
          name?: string,
        ) => () => void;
      }
    : never;

export type HookedNoun<T> = T & HookMethods<T>;

export function withHooks<T extends NounSchema>(schema: T, registry: HookRegistry): HookedNoun<T> {
  const methods: Record<string, unknown> = {};
  for (const [verb, event] of Object.entries(verbEvents(schema))) {
    const type = `${schema.name}.${event}`;
    methods[gerund(verb)] = (fn: BeforeHook<any>, name?: string) => registry.onBefore(type, fn, name);
    methods[participle(event)] = (fn: AfterHook<any>, name?: string) => registry.onAfter(type, fn, name);
  }
  return { ...schema, ...methods } as HookedNoun<T>;
}

/** Every noun bound to one registry. */
export function bindNouns(registry: HookRegistry) {
  return {
    Contact: withHooks(schemas.Contact, registry),
    Organization: withHooks(schemas.Organization, registry),
    Lead: withHooks(schemas.Lead, registry),
    Activity: withHooks(schemas.Activity, registry),
    Deal: withHooks(schemas.Deal, registry),
    Campaign: withHooks(schemas.Campaign, registry),
  };
}

export type BoundNouns = ReturnType<typeof bindNouns>;

/** The registry the TenantLog runs, with the spec's default hooks installed. */
export const hooks = new HookRegistry();
export const { Contact, Organization, Lead, Activity, Deal, Campaign } = bindNouns(hooks);
installDefaultHooks({ Contact, Organization, Lead, Activity, Deal, Campaign });
