// Types of headless-crm/client, read off the Noun declarations at the type level (domain/infer.ts):
// `Contact` carries its enums, required fields and verbs; nothing is restated here.
import type { Fields, Representation } from '../domain/infer';
import type { Declaration, NounSchema } from '../domain/noun';
import type * as Nouns from '../domain/nouns';

type NounName = 'Contact' | 'Organization' | 'Lead' | 'Activity' | 'Deal' | 'Campaign';
type DeclarationOf<T> = T extends NounSchema<string, infer D> ? D : never;

/** The declared verbs of a noun: keys whose field string is one PascalCase event name. */
type VerbKeys<D extends Declaration> = {
  [K in keyof D]: D[K] extends `${infer F}${string}`
    ? F extends Uppercase<F>
      ? F extends Lowercase<F>
        ? never
        : D[K] extends `${string}|${string}`
          ? never
          : K
      : never
    : never;
}[keyof D];

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors?: readonly { readonly path: string; readonly message: string }[];
  readonly [extension: string]: unknown;
}

/** A refused request: `status`, `code` (the problem type's last segment) and the problem itself. */
export declare class CrmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;
  readonly errors: readonly { readonly path: string; readonly message: string }[];
}

export interface CloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly subject: string;
  readonly time: string;
  readonly seq: number;
  readonly data: Record<string, unknown>;
  readonly [extension: string]: unknown;
}

export type Entity<N extends NounName> = Representation<(typeof Nouns)[N]> & Record<string, unknown>;
type Writable<N extends NounName> = Fields<(typeof Nouns)[N]>;
type Nullable<T> = { [K in keyof T]?: T[K] | null };

type Operator<V> =
  | V
  | {
      $eq?: V;
      $ne?: V;
      $gt?: V;
      $gte?: V;
      $lt?: V;
      $lte?: V;
      $in?: readonly V[];
      $nin?: readonly V[];
      $exists?: boolean;
    };
export type Filter<N extends NounName> = { [K in keyof Writable<N>]?: Operator<NonNullable<Writable<N>[K]>> } & {
  $id?: Operator<string>;
  $createdAt?: Operator<string>;
  $updatedAt?: Operator<string>;
};

export interface FindOptions<N extends NounName> {
  readonly sort?: { [K in keyof Writable<N> | '$createdAt' | '$updatedAt' | '$id']?: 'asc' | 'desc' } | string;
  readonly limit?: number;
  readonly cursor?: string;
  readonly include?: readonly string[];
  /** Full-text words: names, emails, titles; prefixes match, accents are ignored. */
  readonly query?: string;
}

/** A page: the entities, and `next`, the cursor of the following page (null at the end). */
export type Page<T> = T[] & { readonly next: string | null };

export interface Subscription {
  /** The seq of the last event handled: pass it as `after` to resume. */
  readonly lastSeq: number | undefined;
  /** Resolves once the starting point is known. */
  readonly ready: Promise<void>;
  /** How it reads the log: `sse` (GET /~t/events/stream), or `poll` (asked for, or the stream route is absent). */
  readonly transport: 'sse' | 'poll' | undefined;
  /** Resolves once closed, or once the server refused it for good (400, 401, 403, 422: told to `onError`). */
  readonly done: Promise<void>;
  close(): void;
}

export interface SubscribeOptions {
  /** Events after this seq; `'now'` (the default) for new ones only. */
  readonly after?: number | 'now';
  /** Event types, like `Contact.Qualified`, `Contact.*` or `*.Created`; all when absent. */
  readonly types?: readonly string[];
  /** `sse` (the default: the client's `transport`) or `poll`. */
  readonly transport?: 'sse' | 'poll';
  readonly onError?: (error: unknown, event?: CloudEvent) => void;
}

type Hook<N extends NounName> = (entity: Entity<N>, $: Client, event: CloudEvent) => unknown;

type VerbMethods<N extends NounName, D extends Declaration> = {
  [V in VerbKeys<D> & string]: V extends 'capture'
    ? (data: Nullable<Writable<N>> & { email: string }) => Promise<Entity<N>>
    : V extends 'assign'
      ? (id: string, owner: string | { owner: string }) => Promise<Entity<N>>
      : V extends 'merge'
        ? (id: string, sources: readonly string[] | { sources: readonly string[] }) => Promise<Entity<N>>
        : V extends 'enrich'
          ? (
              id: string,
              body: { data?: Partial<Writable<N>>; source: string; overwrite?: boolean },
            ) => Promise<Entity<N>>
          : (id: string, data?: Record<string, unknown>) => Promise<Entity<N>>;
};

/** `$.Contact.qualified(handler)`: one method per event of the noun, subscribing a client-side after-hook. */
type HookMethods<N extends NounName, D extends Declaration> = {
  [V in VerbKeys<D> & string as Uncapitalize<D[V] & string>]: (
    handler: Hook<N>,
    options?: Omit<SubscribeOptions, 'types'>,
  ) => Subscription;
} & {
  created(handler: Hook<N>, options?: Omit<SubscribeOptions, 'types'>): Subscription;
  updated(handler: Hook<N>, options?: Omit<SubscribeOptions, 'types'>): Subscription;
  deleted(handler: Hook<N>, options?: Omit<SubscribeOptions, 'types'>): Subscription;
};

export type NounClient<N extends NounName> = {
  find(filter?: Filter<N>, options?: FindOptions<N>): Promise<Page<Entity<N>>>;
  get(id: string, options?: { include?: readonly string[] | string; asOf?: number | string }): Promise<Entity<N>>;
  create(data: Writable<N>): Promise<Entity<N>>;
  update(id: string, data: Nullable<Writable<N>>, options?: { ifMatch?: number }): Promise<Entity<N>>;
  delete(id: string): Promise<void>;
  history(id: string, options?: { after?: number; limit?: number; field?: string }): Promise<CloudEvent[]>;
  score(
    id: string,
  ): Promise<{ leadScore: number; total: number; breakdown: Record<string, { rule: string; points: number }[]> }>;
} & VerbMethods<N, DeclarationOf<(typeof Nouns)[N]>> &
  HookMethods<N, DeclarationOf<(typeof Nouns)[N]>>;

export interface EventSource {
  head(): Promise<number>;
  next(after: number, limit: number): Promise<CloudEvent[]>;
  /** Calls `onEvent` for each event after `after`, in seq order, until `signal` aborts (polls `next` when absent). */
  follow?(subscription: {
    after: number;
    types: readonly string[] | undefined;
    signal: AbortSignal;
    onEvent: (event: CloudEvent) => Promise<void>;
    onError: (error: unknown) => void;
  }): Promise<void>;
}

export type Client = { [N in NounName]: NounClient<N> } & {
  readonly events: {
    list(options?: { after?: number; limit?: number }): Promise<CloudEvent[]>;
    subscribe(options: SubscribeOptions, handler: (event: CloudEvent) => unknown): Subscription;
  };
};

export interface ClientOptions {
  /** The API's origin, like https://crm.example.com. */
  readonly url: string;
  readonly tenant: string;
  /** A tenant key (crm_{tenant}_…) or the admin token. */
  readonly token: string;
  readonly fetch?: typeof fetch;
  /** Retries of a 429, a 503 or a network failure (writes carry one Idempotency-Key across them). Default 3. */
  readonly retries?: number;
  readonly maxRetryWaitMs?: number;
  /** How subscriptions read the log: `sse` (the default; polls when the stream route answers 404 or 405) or `poll`. */
  readonly transport?: 'sse' | 'poll';
  /** Polling: the wait after a page with events (default 250 ms), doubling while idle up to the max (5,000). */
  readonly pollIntervalMs?: number;
  readonly maxPollIntervalMs?: number;
  /** SSE: the reconnection wait until the server sends `retry:` (1,000 ms), doubling while it fails up to the max. */
  readonly streamRetryMs?: number;
  readonly maxStreamRetryMs?: number;
  /** SSE: a stream with no byte for this long (heartbeats come every 15 s) is reconnected. Default 45,000 ms. */
  readonly streamIdleTimeoutMs?: number;
  /** Where subscriptions read events from instead (a custom source; it polls unless it has `follow`). */
  readonly events?: EventSource;
}

export declare function createClient(options: ClientOptions): Client;
export declare function pollingEvents(
  request: unknown,
  options?: ClientOptions,
): EventSource & Required<Pick<EventSource, 'follow'>>;
