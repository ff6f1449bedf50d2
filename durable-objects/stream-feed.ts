// The live side of a StreamHub: subscribers (SSE streams, WebSockets, webhook fan-out) each with a
// cursor, the last seq they were given or skipped. Events come from the TenantLog by seq only (pull),
// so a lost nudge delays and never drops: whoever is behind the head pulls what follows its cursor.
// Subscribers at the same cursor share one pull, and the last pages stay in a ring for the live edge.
import { toCloudEvent } from '../domain/cloudevent';
import type { StoredEvent } from '../domain/events';
import { matchesType, type TypePatterns } from '../domain/type-patterns';
import { log } from '../shared/log';

/** One event, encoded once for every subscriber. */
export interface Frame {
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  /** The CloudEvent as JSON text. */
  readonly json: string;
}

export interface Subscriber {
  /** Who subscribed (`admin` or `key:<id>`): a revoked key closes its subscribers. */
  readonly actor: string;
  readonly types: TypePatterns;
  cursor: number;
  /** Sends frames in order (those of the page up to `through` its types match); throws when the client is gone. */
  deliver(frames: readonly Frame[], through: number): Promise<void> | void;
  close(code: number, reason: string): void;
}

export interface LogSource {
  pull(after: number, limit: number): Promise<{ events: StoredEvent[]; head: number }>;
}

export const PULL_PAGE = 1_000;
const RING_SIZE = 4_000;

export class StreamFeed {
  private head = 0;
  private ring: Frame[] = [];
  private readonly inflight = new Map<number, Promise<Frame[]>>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly pumping = new Map<Subscriber, { again: boolean }>();

  constructor(
    private readonly log: () => LogSource,
    private readonly tenant: () => string,
    /** Called when the feed gains a subscriber while it had none (the hub tells the log to nudge it). */
    private readonly first: () => void = () => {},
  ) {}

  get knownHead(): number {
    return this.head;
  }

  get size(): number {
    return this.subscribers.size;
  }

  all(): Subscriber[] {
    return [...this.subscribers];
  }

  /** Adds a subscriber and sends it what follows its cursor. */
  add(subscriber: Subscriber): void {
    if (this.subscribers.size === 0) this.first();
    this.subscribers.add(subscriber);
    void this.pump(subscriber);
  }

  remove(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
  }

  /** The log's head moved (a nudge or a ping): every subscriber behind it is pumped. */
  advance(head: number): void {
    if (head > this.head) this.head = head;
    for (const subscriber of this.subscribers) if (subscriber.cursor < this.head) void this.pump(subscriber);
  }

  /** The next page of frames after a cursor, from the ring when it holds them, else one shared pull. */
  async framesAfter(cursor: number): Promise<Frame[]> {
    const first = this.ring[0];
    if (first && first.seq <= cursor + 1 && cursor < this.ring.at(-1)!.seq) {
      const from = cursor + 1 - first.seq;
      return this.ring.slice(from, from + PULL_PAGE);
    }
    let pending = this.inflight.get(cursor);
    if (!pending) {
      pending = this.pull(cursor).finally(() => this.inflight.delete(cursor));
      this.inflight.set(cursor, pending);
    }
    return pending;
  }

  private async pull(cursor: number): Promise<Frame[]> {
    const { events, head } = await this.log().pull(cursor, PULL_PAGE);
    if (head > this.head) this.head = head;
    const tenant = this.tenant();
    const frames = events.map((e) => ({
      seq: e.seq,
      id: e.id,
      type: e.type,
      json: JSON.stringify(toCloudEvent(tenant, e)),
    }));
    // Only a page that continues the ring joins it, so the ring stays contiguous.
    const last = this.ring.at(-1);
    if (frames.length && (last === undefined ? true : last.seq === cursor)) {
      this.ring.push(...frames);
      if (this.ring.length > RING_SIZE) this.ring = this.ring.slice(this.ring.length - RING_SIZE);
    } else if (frames.length && last && frames[0]!.seq > last.seq + 1 && cursor >= last.seq) {
      this.ring = frames; // the ring fell behind (no subscriber at the edge): restart it here
    }
    return frames;
  }

  // One pump per subscriber at a time: frames go out in seq order, each exactly once.
  private async pump(subscriber: Subscriber): Promise<void> {
    const running = this.pumping.get(subscriber);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: true };
    this.pumping.set(subscriber, state);
    try {
      while (state.again) {
        state.again = false;
        while (subscriber.cursor < this.head && this.subscribers.has(subscriber)) {
          const frames = await this.framesAfter(subscriber.cursor);
          if (frames.length === 0) break;
          const through = frames.at(-1)!.seq;
          const wanted = frames.filter((f) => f.seq > subscriber.cursor && matchesType(subscriber.types, f.type));
          await subscriber.deliver(wanted, through);
          if (subscriber.cursor < through) subscriber.cursor = through;
        }
      }
    } catch (error) {
      // A client that went away (or a log that failed): drop it; an SSE or WebSocket client reconnects.
      this.subscribers.delete(subscriber);
      subscriber.close(1011, 'stream interrupted');
      if (!isGone(error)) log.warn('stream: subscriber dropped', { error });
    } finally {
      this.pumping.delete(subscriber);
    }
  }
}

function isGone(error: unknown): boolean {
  return /closed|abort|cancel|disconnect|network/i.test(String(error));
}
