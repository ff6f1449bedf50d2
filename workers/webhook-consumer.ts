// The crm-webhooks queue consumer: one message is one attempt round of one delivery. It asks the
// tenant's StreamHub what to send, signs it (Standard Webhooks), POSTs the CloudEvent with a 10 s
// timeout, and reports the outcome back; the hub answers retry-after-n-seconds or done. A delivery
// that failed for good is also sent to crm-webhooks-dlq.
import { idOf } from '../shared/durable-ids';
import type { StreamHub } from '../durable-objects/stream-hub';
import type { AttemptVerdict, DeliveryMessage } from '../durable-objects/webhook-dispatch';
import type { Env } from '../shared/env';
import { webhookHeaders } from './webhook-signature';
import { checkWebhookTarget } from './webhook-target';

export const DELIVERY_TIMEOUT_MS = 10_000;

type HubClient = Pick<StreamHub, 'prepareDelivery' | 'recordAttempt'>;

export function hubOf(env: Env, tenant: string) {
  return env.STREAM_HUB.get(idOf(env.STREAM_HUB, tenant)) as unknown as Pick<
    StreamHub,
    | 'prepareDelivery'
    | 'recordAttempt'
    | 'fetch'
    | 'createWebhook'
    | 'listWebhooks'
    | 'getWebhook'
    | 'updateWebhook'
    | 'deleteWebhook'
    | 'deliveries'
    | 'redeliver'
  >;
}

export async function consumeWebhooks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(batch.messages.map((message) => deliverOne(message, env)));
}

async function deliverOne(message: Message<unknown>, env: Env): Promise<void> {
  const body = message.body as Partial<DeliveryMessage> | null;
  if (typeof body?.tenant !== 'string' || typeof body.deliveryId !== 'string' || typeof body.round !== 'number') {
    message.ack(); // can never be delivered
    return;
  }
  const hub: HubClient = hubOf(env, body.tenant);
  let verdict: AttemptVerdict;
  try {
    const prepared = await hub.prepareDelivery(body.deliveryId, body.round);
    if (!prepared) return message.ack(); // stale: delivered, redelivered since, or disabled
    const outcome = await attempt(prepared, env);
    verdict = await hub.recordAttempt(body.deliveryId, body.round, { at: Date.now(), ...outcome });
  } catch (error) {
    console.error('webhooks: delivery bookkeeping failed; the queue retries it', error);
    return message.retry({ delaySeconds: 5 });
  }
  if (verdict.next === 'retry') return message.retry({ delaySeconds: verdict.delaySeconds });
  if (verdict.status === 'failed')
    await env.WEBHOOKS_DLQ.send(body as DeliveryMessage, { contentType: 'json' }).catch(() => undefined);
  message.ack();
}

async function attempt(
  prepared: { url: string; secret: string; eventId: string; body: string },
  env: Env,
): Promise<{ responseStatus: number | null; error: string | null }> {
  // Checked again at each send: a name may have been pointed somewhere else since it was accepted.
  const target = await checkWebhookTarget(prepared.url, env);
  if (!target.ok) return { responseStatus: null, error: `refused: ${target.message}` };
  const timeoutMs = Number(env.WEBHOOK_TIMEOUT_MS) || DELIVERY_TIMEOUT_MS;
  try {
    const headers = await webhookHeaders(prepared.secret, prepared.eventId, prepared.body, Date.now());
    const response = await fetch(prepared.url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/cloudevents+json', 'user-agent': 'headless-crm-webhooks/1' },
      body: prepared.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return { responseStatus: response.status, error: response.ok ? null : `answered ${response.status}` };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return {
      responseStatus: null,
      error: timedOut ? `no answer within ${timeoutMs / 1000} s` : String(error).slice(0, 300),
    };
  }
}
