// biome-ignore-all lint/suspicious/noExplicitAny: one registry holds the hooks of every noun
// Hooks as the spec writes them: `Contact.qualifying(fn)` runs before a verb's events commit (throw
// to reject), `Contact.qualified((contact, $) => …)` after, for every verb of every noun. A registry
// holds them; the nouns bound to it (domain/crm.ts) expose the registration methods.
import type { StoredEvent } from './events';
import type { BoundNouns } from './crm';
import type { Settings } from './settings';

export interface HookContext {
  readonly settings: Settings;
  /** The event the hook runs for (its `data.changes` say what moved). */
  readonly event: StoredEvent;
}

/** Every noun's write verbs, as after-hooks call them; each returns the id it addresses. */
export interface NounActions {
  create(data: Record<string, unknown>): { $id: string };
  update(id: string, data: Record<string, unknown>): { $id: string };
  delete(id: string): { $id: string };
  qualify(id: string): { $id: string };
  capture(data: Record<string, unknown>): { $id: string | null };
  assign(id: string, owner: string): { $id: string };
  merge(id: string, sources: string[]): { $id: string };
  enrich(id: string, input: { data?: Record<string, unknown>; source: string; overwrite?: boolean }): { $id: string };
}

/** `$` in an after-hook: every noun's actions, as the spec writes `$.Deal.create({...})`. */
export type Dollar = { readonly [N in keyof BoundNouns]: NounActions };

export type BeforeHook<E = Record<string, unknown>> = (entity: E, context: HookContext) => void;
export type AfterHook<E = Record<string, unknown>> = (
  entity: E,
  $: Dollar,
  context: HookContext,
) => void | Promise<void>;

export interface Registered<F> {
  /** Stable name: the key of exactly-once bookkeeping, so it must not change between deploys. */
  readonly name: string;
  readonly fn: F;
}

export class HookRegistry {
  private readonly before = new Map<string, Registered<BeforeHook<any>>[]>();
  private readonly after = new Map<string, Registered<AfterHook<any>>[]>();

  /** Registers a before-hook for an event type (`Contact.Qualified`); returns its removal. */
  onBefore(eventType: string, fn: BeforeHook<any>, name?: string): () => void {
    return add(this.before, eventType, fn, name);
  }

  onAfter(eventType: string, fn: AfterHook<any>, name?: string): () => void {
    return add(this.after, eventType, fn, name);
  }

  beforeHooks(eventType: string): readonly Registered<BeforeHook<any>>[] {
    return this.before.get(eventType) ?? [];
  }

  afterHooks(eventType: string): readonly Registered<AfterHook<any>>[] {
    return this.after.get(eventType) ?? [];
  }

  afterHook(eventType: string, name: string): Registered<AfterHook<any>> | undefined {
    return this.afterHooks(eventType).find((h) => h.name === name);
  }
}

function add<F>(map: Map<string, Registered<F>[]>, eventType: string, fn: F, name?: string): () => void {
  const list = map.get(eventType) ?? [];
  const hookName = name ?? `${eventType}#${list.length + 1}`;
  if (list.some((h) => h.name === hookName)) throw new Error(`a hook named ${hookName} is registered already`);
  const entry = { name: hookName, fn };
  map.set(eventType, [...list, entry]);
  return () =>
    map.set(
      eventType,
      (map.get(eventType) ?? []).filter((h) => h !== entry),
    );
}

/** The `-ing` form a before-hook is named by: qualify → qualifying, create → creating. */
export function gerund(verb: string): string {
  return verb.endsWith('e') && !verb.endsWith('ee') ? `${verb.slice(0, -1)}ing` : `${verb}ing`;
}

/** The after-hook name: the event, lower-cased first (Qualified → qualified). */
export function participle(event: string): string {
  return event.charAt(0).toLowerCase() + event.slice(1);
}
