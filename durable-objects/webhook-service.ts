// The StreamHub's webhook side: subscriptions (WebhookStore), one feed subscriber per active one whose
// pages become delivery rows, the hand-over of those rows to the crm-webhooks queue, and the answers
// to the queue consumer (what to send; what an attempt means). The hub only routes calls here.
import { typedEvent } from '../domain/event-types';
import type { DomainEvent } from '../domain/events';
import { IdempotencyStore } from './idempotency-store';
import { Transactions } from './unit-of-work';
import { failure, ok, type Idempotency, type Result } from '../shared/protocol';
import type { Frame, StreamFeed } from './stream-feed';
import {
  judgeAttempt,
  WebhookSubscriber,
  type AttemptReport,
  type AttemptVerdict,
  type DeliveryMessage,
  type PreparedDelivery,
} from './webhook-dispatch';
import { WebhookStore, type Delivery, type NewWebhook, type Webhook, type WebhookPatch } from './webhook-store';
import { log } from '../shared/log';

const QUEUE_BATCH = 100;
const RESEND_AFTER_MS = 5_000;

export interface WebhookHost {
  readonly storage: DurableObjectStorage;
  readonly feed: StreamFeed;
  readonly queue: Queue<DeliveryMessage>;
  readonly tenant: () => string | undefined;
  readonly log: () => { ping(): Promise<number>; recordFact(event: DomainEvent): Promise<number> };
  readonly nextId: (nowMs: number) => string;
}

/** Who writes, and the Idempotency-Key of the request (its first answer is replayed for 24 hours). */
export interface WriteBy {
  readonly actor: string;
  readonly idempotency?: Idempotency | undefined;
}

export class WebhookService {
  private readonly store: WebhookStore;
  private readonly idempotency: IdempotencyStore;
  private readonly tx: Transactions;
  private readonly subscribers = new Map<string, WebhookSubscriber>();
  private enqueuing: Promise<void> | undefined;
  private enqueueAgain = false;

  constructor(private readonly host: WebhookHost) {
    this.store = new WebhookStore(host.storage.sql);
    this.tx = new Transactions(host.storage);
    this.idempotency = new IdempotencyStore(host.storage.sql, this.tx);
  }

  /** Every active subscription has a feed subscriber at its stored cursor (again, after a failed pull). */
  sync(): void {
    for (const { webhook, cursor } of this.store.active()) {
      const current = this.subscribers.get(webhook.id);
      if (current && this.host.feed.all().includes(current)) continue;
      const sub = new WebhookSubscriber(webhook.id, webhook.types, cursor, (id, frames, through) =>
        this.record(id, frames, through),
      );
      this.subscribers.set(webhook.id, sub);
      this.host.feed.add(sub);
    }
  }

  /** Creates a subscription from the current head; the answer (with the secret) replays under its key. */
  async create(
    input: Omit<NewWebhook, 'id' | 'cursor' | 'time'>,
    by: WriteBy,
  ): Promise<Result<Webhook & { secret: string }>> {
    const head = await this.host.log().ping();
    const now = Date.now();
    const answer = this.once(by, now, () => {
      const id = `webhook_${this.host.nextId(now)}`;
      return ok({ ...this.store.create({ ...input, id, cursor: head, time: iso(now) }), secret: input.secret });
    });
    this.sync();
    return answer;
  }

  list(): Webhook[] {
    return this.store.list();
  }

  get(id: string): Result<Webhook> {
    const webhook = this.store.get(id);
    return webhook ? ok(webhook) : failure('not_found', `no webhook ${id}`);
  }

  /** Patches a subscription; a rotated secret is in the answer (and in its replay). */
  async update(id: string, patch: WebhookPatch, by: WriteBy): Promise<Result<Webhook & { secret?: string }>> {
    // Only an enable asks the log for its head (a webhook resumes from now); an unknown id is a 404 first.
    if (!this.store.get(id)) return failure('not_found', `no webhook ${id}`);
    const head = patch.enabled ? await this.host.log().ping() : 0;
    const now = Date.now();
    const answer = this.once(by, now, () => {
      const webhook = this.store.update(id, patch, iso(now), head);
      if (!webhook) return failure('not_found', `no webhook ${id}`);
      return ok(patch.secret ? { ...webhook, secret: patch.secret } : webhook);
    });
    this.unfollow(id); // types, cursor or status may have changed: follow it afresh
    this.sync();
    return answer;
  }

  remove(id: string, by: WriteBy): Result<null> {
    const answer = this.once(by, Date.now(), () =>
      this.store.delete(id) ? ok(null) : failure('not_found', `no webhook ${id}`),
    );
    this.unfollow(id);
    return answer;
  }

  deliveries(id: string, limit: number, before?: string): Result<{ data: Delivery[]; next: string | null }> {
    if (!this.store.get(id)) return failure('not_found', `no webhook ${id}`);
    const data = this.store.deliveries(id, limit, before);
    return ok({ data, next: data.length === limit ? data.at(-1)!.id : null });
  }

  async redeliver(id: string, deliveryId: string, by: WriteBy): Promise<Result<Delivery>> {
    const answer = this.once(by, Date.now(), (): Result<Delivery> => {
      const webhook = this.store.get(id);
      const delivery = this.store.delivery(deliveryId);
      if (!webhook || !delivery || delivery.webhookId !== id)
        return failure('not_found', `no delivery ${deliveryId} of webhook ${id}`);
      if (webhook.status !== 'active') return failure('invalid', `webhook ${id} is disabled; enable it first`);
      this.store.redeliver(deliveryId, iso(Date.now()));
      const { round: _round, ...shown } = this.store.delivery(deliveryId)!;
      return ok(shown);
    });
    await this.enqueue();
    return answer;
  }

  /** What the consumer sends; null when its message is stale (redelivered, done, disabled, deleted). */
  async prepare(deliveryId: string, round: number): Promise<(PreparedDelivery & { body: string }) | null> {
    const delivery = this.store.delivery(deliveryId);
    if (!delivery || delivery.round !== round || delivery.status !== 'pending') return null;
    const webhook = this.store.get(delivery.webhookId);
    const secret = this.store.secretOf(delivery.webhookId);
    if (webhook?.status !== 'active' || secret === undefined) return null;
    const [frame] = await this.host.feed.framesAfter(delivery.seq - 1);
    if (!frame || frame.seq !== delivery.seq) return null;
    return {
      url: webhook.url,
      secret,
      eventId: delivery.eventId,
      seq: delivery.seq,
      attempt: delivery.attempts + 1,
      body: frame.json,
    };
  }

  /**
   * Records an attempt. A disabling is a fact in the log first (Webhook.Disabled), then the subscription's
   * state: if the append fails, the subscription stays active and the next failed try decides again.
   */
  async recordAttempt(deliveryId: string, round: number, report: AttemptReport): Promise<AttemptVerdict> {
    const delivery = this.store.delivery(deliveryId);
    const webhook = delivery && this.store.get(delivery.webhookId);
    if (!delivery || !webhook || delivery.round !== round || delivery.status !== 'pending')
      return { next: 'done', status: 'stale' };
    const verdict = this.host.storage.transactionSync(() =>
      judgeAttempt(this.store, webhook, deliveryId, delivery.attempts, report),
    );
    const { disable, ...answer } = verdict;
    if (!disable) return answer;
    try {
      await this.host.log().recordFact(
        typedEvent({
          type: 'Webhook.Disabled',
          entityType: 'Webhook',
          entityId: webhook.id,
          data: { changes: { status: { from: 'active', to: 'disabled' } }, reason: disable, url: webhook.url },
        }),
      );
    } catch (error) {
      log.warn('webhooks: Webhook.Disabled not recorded; still active, decided again at the next failure', { error });
      return answer;
    }
    this.host.storage.transactionSync(() => this.store.disable(webhook.id, disable, new Date(report.at).toISOString()));
    this.unfollow(webhook.id);
    return { next: 'done', status: 'failed', disabled: true };
  }

  /** Hands unqueued deliveries to the queue; after a failed send the hub's alarm tries again. */
  async enqueue(): Promise<void> {
    if (this.enqueuing) {
      this.enqueueAgain = true;
      return this.enqueuing;
    }
    this.enqueuing = this.sendUnqueued().finally(() => (this.enqueuing = undefined));
    return this.enqueuing;
  }

  private async sendUnqueued(): Promise<void> {
    do {
      this.enqueueAgain = false;
      for (let rows = this.store.unqueued(QUEUE_BATCH); rows.length; rows = this.store.unqueued(QUEUE_BATCH)) {
        const tenant = this.host.tenant();
        if (tenant === undefined) return;
        try {
          await this.host.queue.sendBatch(
            rows.map((r) => ({
              body: { tenant, deliveryId: r.id, round: r.round } satisfies DeliveryMessage,
              contentType: 'json' as const,
            })),
          );
        } catch (error) {
          log.warn('webhooks: queue send failed; the alarm retries', { error });
          await this.host.storage.setAlarm(Date.now() + RESEND_AFTER_MS);
          return;
        }
        this.store.markQueued(rows.map((r) => r.id));
      }
    } while (this.enqueueAgain);
  }

  private record(webhookId: string, frames: readonly Frame[], through: number): void {
    const now = Date.now();
    this.host.storage.transactionSync(() =>
      this.store.addDeliveries(webhookId, frames, through, () => `delivery_${this.host.nextId(now)}`, iso(now)),
    );
    if (frames.length) void this.enqueue();
  }

  // One transaction: the write and, under its Idempotency-Key, its first answer (kept whole: it is small).
  private once<T>(by: WriteBy, nowMs: number, write: () => Result<T>): Result<T> {
    return this.tx.run(() =>
      this.idempotency.once(
        by.actor,
        by.idempotency,
        nowMs,
        (kept) => kept as T,
        () => {
          const result = write();
          return result.ok ? { result, kept: result.value } : { result };
        },
      ),
    );
  }

  private unfollow(id: string): void {
    const sub = this.subscribers.get(id);
    if (sub) this.host.feed.remove(sub);
    this.subscribers.delete(id);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
