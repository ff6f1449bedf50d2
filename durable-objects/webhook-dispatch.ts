// Webhook delivery bookkeeping inside the StreamHub: each active subscription is a feed subscriber whose
// pages become delivery rows (cursor moved in the same transaction), handed to the crm-webhooks queue;
// the queue consumer sends them and reports each attempt back here, where retries and disabling are
// decided. A queue message names a delivery and its round, so a redelivery makes older messages stale.
import type { TypePatterns } from '../domain/type-patterns';
import type { Frame, Subscriber } from './stream-feed';
import { DISABLE_AFTER_MS, type Webhook, type WebhookStore } from './webhook-store';

export interface DeliveryMessage {
  readonly tenant: string;
  readonly deliveryId: string;
  readonly round: number;
}

/** What the consumer needs to send one attempt. */
export interface PreparedDelivery {
  readonly url: string;
  readonly secret: string;
  readonly eventId: string;
  readonly seq: number;
  readonly attempt: number;
}

export interface AttemptReport {
  /** Epoch ms of the attempt. */
  readonly at: number;
  readonly responseStatus: number | null;
  readonly error: string | null;
}

/** What the consumer does next: retry after a delay, or stop (delivered, or failed for good). */
export type AttemptVerdict =
  | { readonly next: 'retry'; readonly delaySeconds: number }
  | { readonly next: 'done'; readonly status: 'delivered' | 'failed' | 'stale'; readonly disabled?: boolean };

export class WebhookSubscriber implements Subscriber {
  readonly actor = 'webhook';
  readonly types: TypePatterns;

  constructor(
    readonly webhookId: string,
    types: TypePatterns,
    public cursor: number,
    private readonly record: (webhookId: string, frames: readonly Frame[], through: number) => void,
  ) {
    this.types = types;
  }

  deliver(frames: readonly Frame[], through: number): void {
    this.record(this.webhookId, frames, through);
  }

  close(): void {
    // Dropped from the feed after a failed pull; the hub adds it back on the next nudge.
  }
}

export const isSuccess = (status: number | null): boolean => status !== null && status >= 200 && status < 300;

/** Decides what an attempt means for the delivery and its subscription. Call inside transactionSync. */
export function judgeAttempt(
  store: WebhookStore,
  webhook: Webhook,
  deliveryId: string,
  attempts: number,
  report: AttemptReport,
): AttemptVerdict & { disable?: string } {
  const time = new Date(report.at).toISOString();
  if (isSuccess(report.responseStatus)) {
    store.recordAttempt(
      deliveryId,
      { status: 'delivered', responseStatus: report.responseStatus, error: null, nextAt: null },
      time,
    );
    store.setFailingSince(webhook.id, null);
    return { next: 'done', status: 'delivered' };
  }
  const error = report.error ?? `answered ${report.responseStatus}`;
  const since = store.failingSince(webhook.id) ?? report.at;
  store.setFailingSince(webhook.id, since);
  if (report.at - since >= DISABLE_AFTER_MS) {
    store.recordAttempt(
      deliveryId,
      { status: 'failed', responseStatus: report.responseStatus, error, nextAt: null },
      time,
    );
    // The caller records Webhook.Disabled in the log first, then disables (store.disable).
    const reason = `every delivery failed for 5 days (since ${new Date(since).toISOString()})`;
    return { next: 'done', status: 'failed', disable: reason };
  }
  const delay = webhook.retryDelays[attempts];
  if (delay === undefined) {
    store.recordAttempt(
      deliveryId,
      { status: 'failed', responseStatus: report.responseStatus, error, nextAt: null },
      time,
    );
    return { next: 'done', status: 'failed' };
  }
  store.recordAttempt(
    deliveryId,
    { status: 'pending', responseStatus: report.responseStatus, error, nextAt: report.at + delay * 1000 },
    time,
  );
  return { next: 'retry', delaySeconds: delay };
}
