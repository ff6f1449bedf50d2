// Finished deliveries are kept DELIVERY_RETENTION_DAYS and pruned as new ones are added, so a busy
// subscription's delivery table stays bounded; pending ones are never pruned.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DELIVERY_RETENTION_DAYS, SCHEMA, WebhookStore } from '../durable-objects/webhook-store';
import { aTenant } from './http';

describe('webhook deliveries', () => {
  it('that ended before the retention are pruned when new ones are added; pending ones stay', async () => {
    const hub = env.STREAM_HUB.get(env.STREAM_HUB.idFromName(aTenant('retention')));
    await runInDurableObject(hub, async (_instance, state) => {
      const { sql } = state.storage;
      sql.exec(SCHEMA);
      const store = new WebhookStore(sql);
      const old = new Date(Date.now() - (DELIVERY_RETENTION_DAYS + 1) * 86_400_000).toISOString();
      const insert = (id: string, status: string, at: string) =>
        sql.exec(
          `INSERT INTO deliveries (id, webhook_id, event_id, seq, type, status, created_at, updated_at)
           VALUES (?, 'webhook_x', ?, 1, 'Contact.Created', ?, ?, ?)`,
          id,
          `event_${id}`,
          status,
          at,
          at,
        );
      insert('delivery_01', 'delivered', old);
      insert('delivery_02', 'failed', old);
      insert('delivery_03', 'pending', old);
      insert('delivery_04', 'delivered', new Date().toISOString());
      let n = 10;
      store.addDeliveries(
        'webhook_x',
        [{ seq: 2, id: 'event_new', type: 'Contact.Created' }],
        2,
        () => `delivery_${++n}`,
        new Date().toISOString(),
      );
      const left = sql
        .exec('SELECT id FROM deliveries ORDER BY id')
        .toArray()
        .map((r) => r['id']);
      expect(left).toEqual(['delivery_03', 'delivery_04', 'delivery_11']);
    });
  });
});
