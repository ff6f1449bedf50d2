// Typed events: the union of every event the CRM emits, per noun and verb, derived from the Noun
// declarations (a verb `qualify: 'Qualified'` yields `Contact.Qualified`), and the accessors that read
// an event's data. Readers never cast `event.data`: they call `changesOf`, `setBy`, `changeOf`, … here.
// The one place that turns stored text into events (durable-objects/event-store.ts rowToEvent for the
// SQLite log, domain/export-line.ts for export files) vouches for the shape; everything after trusts it.
import type { Fields, IsVerb } from './infer';
import type { NounSchema } from './noun';
import type { Activity, Campaign, Contact, Deal, Lead, Organization } from './nouns';

/** One field's move: `null` stands for "not set". */
export type FieldChange<T = unknown> = { readonly from: T | null; readonly to: T | null };

/** What an event changed, field by field (the `changes` member of every non-Created event). */
export type Changes = Readonly<Record<string, FieldChange>>;

/** The data every event carries: any members, of which `changes` (when present) has this shape. */
export type EventData = Readonly<Record<string, unknown>> & { readonly changes?: Changes };

type Typed<F> = { readonly [K in keyof F]-?: FieldChange<Exclude<F[K], undefined>> };
/** The changes of one noun's event, typed by its declared fields. */
export type ChangesOf<T> = Partial<Typed<Fields<T>>>;

/** The event names a declaration's verbs emit, e.g. `'Qualified' | 'Captured' | …` for Contact. */
export type VerbEventNames<T> =
  T extends NounSchema<string, infer D> ? { [K in keyof D]: IsVerb<D[K]> extends true ? D[K] : never }[keyof D] : never;

/** Data that particular verbs record beyond (or more precisely than) `changes`. */
interface VerbExtras {
  'Contact.Qualified': { readonly changes: { readonly stage: FieldChange<Fields<typeof Contact>['stage'] & string> } };
  'Contact.Captured': { readonly source?: string; readonly lead: string };
  'Contact.Assigned': {
    readonly owner: string;
    readonly previousOwner: string | null;
    readonly changes: { readonly owner: FieldChange<string> };
  };
  'Contact.Merged': { readonly sources?: readonly string[]; readonly aliases?: unknown; readonly into?: string };
  'Contact.Enriched': { readonly source: string; readonly provenance: Readonly<Record<string, string>> };
}
type ExtrasOf<T extends string> = T extends keyof VerbExtras ? VerbExtras[T] : unknown;
// A verb's changes come from a diff against the entity (checked against the schema at the edge), so they
// are typed per field only where the verb writes them out (Qualified, Assigned, Scored).

type Event<T extends string, E extends string, D> = {
  readonly type: T;
  readonly entityType: E;
  readonly entityId: string;
  readonly data: D;
};

/** Every event one noun emits: Created, Updated, Deleted and one per declared verb. */
export type NounEvent<T> =
  T extends NounSchema<infer N>
    ?
        | Event<`${N}.Created`, N, Fields<T>>
        | Event<`${N}.Updated`, N, { readonly changes: ChangesOf<T>; readonly mergedInto?: string }>
        | Event<`${N}.Deleted`, N, Readonly<Record<string, never>>>
        | {
            [V in VerbEventNames<T>]: Event<`${N}.${V}`, N, { readonly changes?: Changes } & ExtrasOf<`${N}.${V}`>>;
          }[VerbEventNames<T>]
    : never;

/** Events the system records beside the nouns' own (scores, settings, hook runs, webhooks, erasures). */
export type SystemEvent =
  | Event<'Contact.Scored', 'Contact', { readonly changes: { readonly leadScore: FieldChange<number> } }>
  | Event<'Settings.Updated', 'Settings', { readonly changes: Changes }>
  | Event<`HookRun.${'Succeeded' | 'Failed' | 'Abandoned'}`, 'HookRun', { readonly changes: Changes }>
  | Event<'Webhook.Disabled', 'Webhook', { readonly changes: Changes; readonly reason: string; readonly url: string }>
  | Event<`${string}.Erased`, string, { readonly subject: string; readonly fields: readonly string[] }>;

/** The discriminated union of the CRM's events, derived from the noun declarations. */
export type CrmEvent =
  | NounEvent<typeof Contact>
  | NounEvent<typeof Organization>
  | NounEvent<typeof Lead>
  | NounEvent<typeof Activity>
  | NounEvent<typeof Deal>
  | NounEvent<typeof Campaign>
  | SystemEvent;

export type CrmEventType = CrmEvent['type'];
/** The member of the union for one event type, e.g. `EventOfType<'Contact.Assigned'>`. */
export type EventOfType<T extends CrmEventType> = Extract<CrmEvent, { readonly type: T }>;

/** Builds an event checked against its member of the union (the data a verb emits is typed here). */
export function typedEvent<T extends CrmEventType>(event: EventOfType<T> & { readonly type: T }): EventOfType<T> {
  return event;
}

interface AnyEvent {
  readonly type: string;
  readonly data: EventData;
}

/** Whether the event is its entity's Created (whose data is the initial fields). */
export function isCreated(event: AnyEvent): boolean {
  return event.type.endsWith('.Created');
}

/** The field changes an event records; none for Created and Deleted. */
export function changesOf(event: AnyEvent): Changes {
  return event.data.changes ?? {};
}

/** One field's move in an event: Created sets the initial value; every other verb records `changes`. */
export function changeOf(event: AnyEvent, field: string): FieldChange | undefined {
  if (isCreated(event)) return field in event.data ? { from: null, to: event.data[field] ?? null } : undefined;
  const change = changesOf(event)[field];
  return change ? { from: change.from ?? null, to: change.to ?? null } : undefined;
}

/** What the event set: the fields of a Created, the changed fields of any other event. */
export function setBy(event: AnyEvent): string[] {
  return Object.keys(isCreated(event) ? event.data : changesOf(event));
}

/** The sources an event names for the values it set (an Enriched's `provenance`), by field. */
export function provenanceOf(event: AnyEvent): Readonly<Record<string, string>> {
  const list = event.data['provenance'];
  if (list === null || typeof list !== 'object') return {};
  const strings = Object.entries(list).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return Object.fromEntries(strings);
}

/** A string member of an event's data (e.g. a Merged source's `into`), if it is one. */
export function stringIn(event: AnyEvent, key: string): string | undefined {
  const value = event.data[key];
  return typeof value === 'string' ? value : undefined;
}

/** The ids in an array member of an event's data (e.g. a Merged target's `sources`). */
export function idsIn(data: EventData, key: string): string[] {
  const value = data[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
