// StreamHub: one Durable Object per tenant holding its event stream subscribers, so the TenantLog never
// keeps a connection in memory. The log nudges it with its head after each commit; the hub pulls what
// follows each subscriber's cursor from the log by seq (a lost nudge delays, never drops). It serves
// SSE streams and WebSockets (Hibernation API) and keeps the tenant's webhook subscriptions.
import { idOf } from '../shared/durable-ids';
import { DurableObject } from 'cloudflare:workers';
import { monotonicFactory } from 'ulid';
import type { DomainEvent } from '../domain/events';
import { parseTypePatterns, type TypePatterns } from '../domain/type-patterns';
import type { Env } from '../shared/env';
import type { Result } from '../shared/protocol';
import { HEARTBEAT_MS, SocketSubscriber, SseSubscriber, type SocketState } from './stream-clients';

/** Live subscribers a tenant may hold at once (SSE and WebSocket together), unless STREAM_MAX_SUBSCRIBERS says. */
export const MAX_SUBSCRIBERS = 1_000;
/** A WebSocket must send its subscribe within this many ms (STREAM_SUBSCRIBE_TIMEOUT_MS), or it is closed. */
export const SUBSCRIBE_TIMEOUT_MS = 30_000;
import { StreamFeed, type LogSource } from './stream-feed';
import type { AttemptReport, AttemptVerdict, PreparedDelivery } from './webhook-dispatch';
import { WebhookService, type WriteBy } from './webhook-service';
import { SCHEMA, type Delivery, type NewWebhook, type Webhook, type WebhookPatch } from './webhook-store';
import { log } from '../shared/log';
import type { NudgeReply } from './stream-notice';

/** What the Worker checked and forwards with a stream request (header x-subscription). */
export interface Subscription {
  readonly tenant: string;
  readonly actor: string;
  /** Null: from the current head (live only). */
  readonly after: number | null;
  readonly types: TypePatterns;
}

type LogClient = LogSource & {
  ping(): Promise<number>;
  recordFact(event: DomainEvent): Promise<number>;
  listen(epoch: number): Promise<number>;
};

export class StreamHub extends DurableObject<Env> {
  private readonly feed: StreamFeed;
  private readonly webhooks: WebhookService;
  private readonly sse = new Set<SseSubscriber>();
  private readonly sockets = new Map<WebSocket, SocketSubscriber>();
  private readonly nextId = monotonicFactory();
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private tenant: string | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
    const stored = ctx.storage.sql.exec("SELECT value FROM hub_meta WHERE key = 'tenant'").toArray()[0];
    if (stored) this.tenant = String(stored['value']);
    this.feed = new StreamFeed(
      () => this.log(),
      () => this.tenant ?? '',
      () => this.listening(),
    );
    this.webhooks = new WebhookService({
      storage: ctx.storage,
      feed: this.feed,
      queue: env.WEBHOOKS,
      tenant: () => this.tenant,
      log: () => this.log(),
      nextId: (ms) => this.nextId(ms),
    });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
    // A hub woken from hibernation takes its sockets back where their attachments say they were.
    for (const socket of ctx.getWebSockets()) {
      const state = socket.deserializeAttachment() as SocketState | null;
      if (state && state.cursor !== null) this.follow(socket, { ...state, cursor: state.cursor });
    }
    this.webhooks.sync();
  }

  /** The log committed events up to `head`: everyone behind it is sent what follows. Answers whether anyone listens. */
  async nudge(tenant: string, head: number): Promise<NudgeReply> {
    this.remember(tenant);
    this.webhooks.sync();
    this.feed.advance(head);
    return { listening: this.feed.size > 0, epoch: this.epoch };
  }

  /** A key was revoked: its streams end and its sockets close (1008). */
  async revoke(tenant: string, actor: string): Promise<number> {
    this.remember(tenant);
    let closed = 0;
    for (const sub of [...this.sse]) if (sub.actor === actor) sub.close(), closed++;
    for (const socket of this.ctx.getWebSockets(actor)) {
      this.sockets.get(socket)?.close(1008, 'API key revoked');
      if (!this.sockets.has(socket)) socket.close(1008, 'API key revoked');
      closed++;
    }
    return closed;
  }

  /**
   * Internal: `/sse` answers an event stream, `/ws` a WebSocket; the Worker checked the caller. A tenant at its
   * cap of live subscribers gets 503 with `x-refused: subscribers` (the Worker answers it as problem+json):
   * each one holds a connection and is sent every event, so their number is bounded like any other resource.
   */
  override async fetch(request: Request): Promise<Response> {
    const subscription = JSON.parse(request.headers.get('x-subscription') ?? 'null') as Subscription | null;
    if (!subscription) return new Response('no subscription', { status: 400 });
    const cap = Number(this.env.STREAM_MAX_SUBSCRIBERS) || MAX_SUBSCRIBERS;
    if (this.sse.size + this.opening + this.ctx.getWebSockets().length >= cap)
      return new Response(null, { status: 503, headers: { 'x-refused': 'subscribers', 'x-limit': String(cap) } });
    this.remember(subscription.tenant);
    return new URL(request.url).pathname === '/ws' ? this.acceptSocket(subscription) : this.openStream(subscription);
  }

  /** SSE streams past the cap check, waiting for the head: they hold their place (others come in meanwhile). */
  private opening = 0;

  private async openStream(subscription: Subscription): Promise<Response> {
    let after = subscription.after;
    if (after === null) {
      this.opening++;
      try {
        after = await this.refreshHead();
      } finally {
        this.opening--;
      }
    }
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const sub: SseSubscriber = new SseSubscriber(subscription.actor, subscription.types, after, writable, () => {
      this.sse.delete(sub);
      this.feed.remove(sub);
      this.idle();
    });
    this.sse.add(sub);
    this.feed.add(sub);
    this.heartbeat ??= setInterval(() => this.beat(), Number(this.env.STREAM_HEARTBEAT_MS) || HEARTBEAT_MS);
    void this.refreshHead().catch(() => undefined);
    return new Response(readable, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      },
    });
  }

  private acceptSocket(subscription: Subscription): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [subscription.actor]);
    const state: SocketState = { tenant: subscription.tenant, actor: subscription.actor, cursor: null, types: [] };
    server.serializeAttachment(state);
    // A socket that never subscribes would hold a subscriber's place for nothing: closed after a while.
    const timeoutMs = Number(this.env.STREAM_SUBSCRIBE_TIMEOUT_MS) || SUBSCRIBE_TIMEOUT_MS;
    setTimeout(() => {
      try {
        const now = server.deserializeAttachment() as SocketState | null;
        if (now && now.cursor === null && !this.subscribing.has(server))
          server.close(1008, `send {"subscribe": …} within ${timeoutMs / 1000} s`);
      } catch {
        // already closed
      }
    }, timeoutMs);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** `{"subscribe": {"after": n, "types": [...]}}` starts the socket's stream; anything else is refused. */
  /** Sockets whose subscribe is waiting for the head. */
  private readonly subscribing = new Set<WebSocket>();

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const state = socket.deserializeAttachment() as SocketState | null;
    if (!state) return socket.close(1011, 'unknown socket');
    const request = parseSubscribe(message);
    if (!request.ok) return refuse(socket, request.error);
    if (state.cursor !== null || this.sockets.has(socket) || this.subscribing.has(socket)) {
      return refuse(socket, 'already subscribed');
    }
    // The head is asked for across an await: a second subscribe arriving meanwhile must see this one.
    this.subscribing.add(socket);
    let cursor: number;
    try {
      cursor = request.after ?? (await this.refreshHead());
    } finally {
      this.subscribing.delete(socket);
    }
    const next = { ...state, cursor, types: request.types };
    socket.serializeAttachment(next);
    socket.send(JSON.stringify({ subscribed: { after: cursor, types: request.types } }));
    this.follow(socket, next);
    void this.refreshHead().catch(() => undefined);
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    this.unfollow(socket);
    try {
      socket.close(code === 1005 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  override async webSocketError(socket: WebSocket): Promise<void> {
    this.unfollow(socket);
  }

  /** Hands deliveries the queue did not take to it again. */
  override async alarm(): Promise<void> {
    await this.webhooks.enqueue();
  }

  // ---- webhooks (the Worker checked the admin scope; durable-objects/webhook-service.ts) ----

  async createWebhook(
    tenant: string,
    input: Omit<NewWebhook, 'id' | 'cursor' | 'time'>,
    by: WriteBy,
  ): Promise<Result<Webhook & { secret: string }>> {
    this.remember(tenant);
    return this.webhooks.create(input, by);
  }

  async listWebhooks(): Promise<Webhook[]> {
    return this.webhooks.list();
  }

  async getWebhook(id: string): Promise<Result<Webhook>> {
    return this.webhooks.get(id);
  }

  async updateWebhook(id: string, patch: WebhookPatch, by: WriteBy): Promise<Result<Webhook & { secret?: string }>> {
    return this.webhooks.update(id, patch, by);
  }

  async deleteWebhook(id: string, by: WriteBy): Promise<Result<null>> {
    return this.webhooks.remove(id, by);
  }

  async deliveries(
    id: string,
    limit: number,
    before?: string,
  ): Promise<Result<{ data: Delivery[]; next: string | null }>> {
    return this.webhooks.deliveries(id, limit, before);
  }

  async redeliver(id: string, deliveryId: string, by: WriteBy): Promise<Result<Delivery>> {
    return this.webhooks.redeliver(id, deliveryId, by);
  }

  /** The queue consumer asks what to send; null when its message is stale. */
  async prepareDelivery(deliveryId: string, round: number): Promise<(PreparedDelivery & { body: string }) | null> {
    return this.webhooks.prepare(deliveryId, round);
  }

  /** The queue consumer reports an attempt; the answer says whether to retry (and when) or stop. */
  async recordAttempt(deliveryId: string, round: number, report: AttemptReport): Promise<AttemptVerdict> {
    return this.webhooks.recordAttempt(deliveryId, round, report);
  }

  // ---- internals ----

  private follow(socket: WebSocket, state: SocketState & { cursor: number }): void {
    const sub = new SocketSubscriber(socket, state, () => this.unfollow(socket));
    this.sockets.set(socket, sub);
    this.feed.add(sub);
  }

  private unfollow(socket: WebSocket): void {
    const sub = this.sockets.get(socket);
    if (sub) this.feed.remove(sub);
    this.sockets.delete(socket);
  }

  private async refreshHead(): Promise<number> {
    const head = await this.log().ping();
    this.feed.advance(head);
    return head;
  }

  // Heartbeats keep SSE connections (and proxies) alive, and ask the log for its head in case a nudge was lost.
  private beat(): void {
    for (const sub of this.sse) sub.heartbeat();
    void this.refreshHead().catch((error) => log.warn('stream: head check failed', { error }));
  }

  private idle(): void {
    if (this.sse.size === 0 && this.heartbeat !== undefined) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  // The feed gained its first subscriber: the log, which may have stopped nudging a hub without any,
  // is told to nudge again, and the head it answers covers what committed before it heard.
  // It starts at the hub's start, not 0: a restarted hub's "nobody listens" must not be older, for the log,
  // than what it heard from the hub before.
  private epoch = Date.now();
  private listening(): void {
    this.epoch = Math.max(Date.now(), this.epoch + 1);
    if (this.tenant === undefined) return;
    void this.log()
      .listen(this.epoch)
      .then((head) => this.feed.advance(head))
      .catch((error: unknown) => {
        // Until the log hears, it may not nudge this hub at all: asked again while anyone still listens.
        log.warn('stream: could not tell the log to nudge again; retried in 1 s', { error });
        setTimeout(() => {
          if (this.feed.size > 0) this.listening();
        }, 1_000);
      });
  }

  private remember(tenant: string): void {
    if (this.tenant === tenant) return;
    this.tenant = tenant;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO hub_meta (key, value) VALUES ('tenant', ?)", tenant);
  }

  private log(): LogClient {
    if (this.tenant === undefined) throw new Error('the hub does not know its tenant yet');
    return this.env.TENANT_LOG.get(idOf(this.env.TENANT_LOG, this.tenant)) as unknown as LogClient;
  }
}

type SubscribeRequest = { ok: true; after: number | null; types: TypePatterns } | { ok: false; error: string };

function parseSubscribe(message: string | ArrayBuffer): SubscribeRequest {
  let value: unknown;
  try {
    value = JSON.parse(typeof message === 'string' ? message : new TextDecoder().decode(message));
  } catch {
    return { ok: false, error: 'send JSON: {"subscribe": {"after": n, "types": [...]}}' };
  }
  const subscribe = (value as { subscribe?: unknown } | null)?.subscribe;
  if (typeof subscribe !== 'object' || subscribe === null || Array.isArray(subscribe))
    return { ok: false, error: 'send {"subscribe": {"after": n, "types": [...]}}' };
  const { after, types } = subscribe as { after?: unknown; types?: unknown };
  if (after !== undefined && after !== null && !(Number.isSafeInteger(after) && (after as number) >= 0))
    return { ok: false, error: 'after must be a seq number, 0 or more' };
  if (types !== undefined && !Array.isArray(types))
    return { ok: false, error: 'types must be a list of type patterns' };
  const parsed = parseTypePatterns((types as unknown[] | undefined) ?? []);
  if (!parsed.ok) return parsed;
  return { ok: true, after: (after as number | null | undefined) ?? null, types: parsed.value };
}

function refuse(socket: WebSocket, detail: string): void {
  socket.send(JSON.stringify({ error: { status: 400, detail } }));
  socket.close(1008, detail.slice(0, 120));
}
