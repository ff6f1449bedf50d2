// Types of client/sse.js: a WHATWG Server-Sent Events parser and a reconnecting follower over `fetch`.

/** One dispatched event: `type` is the `event:` field (`message` when absent). */
export interface SseEvent {
  readonly type: string;
  readonly data: string;
  readonly lastEventId: string;
}

export declare class SseParser {
  constructor(options?: { lastEventId?: string; onComment?: (text: string) => void });
  /** The last event ID, kept across events. */
  readonly lastEventId: string;
  /** The reconnection time the stream asked for (`retry:`), in ms. */
  readonly retry: number | undefined;
  /** Feeds decoded text; returns the events it completed, in order. */
  feed(text: string): SseEvent[];
}

export declare class EventStreamRefused extends Error {
  readonly status: number;
  readonly response: Response;
}

export interface FollowOptions {
  readonly url: string | URL;
  readonly fetch?: typeof fetch;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
  /** Sent as `Last-Event-ID` from the first connection on. */
  readonly lastEventId?: string;
  /** Until the stream sends `retry:`. Default 1,000 ms. */
  readonly retryMs?: number;
  /** The longest wait between failed tries. Default 30,000 ms. */
  readonly maxRetryMs?: number;
  /** A stream silent this long is reconnected. Default 45,000 ms. */
  readonly idleTimeoutMs?: number;
  onEvent(event: SseEvent): unknown;
  onOpen?(response: Response): void;
  onComment?(text: string): void;
  /** A lost connection; a reconnect follows. */
  onError?(error: unknown): unknown;
  /** Not a 200 `text/event-stream`: answer the ms to wait before trying again (undefined: doubling), or throw. */
  onRefused?(response: Response): number | undefined | Promise<number | undefined>;
}

export declare function followEventStream(options: FollowOptions): Promise<void>;
