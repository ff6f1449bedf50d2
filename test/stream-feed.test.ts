// The StreamFeed alone, over a fake log: nudges may be lost, late, repeated or stale, and every
// subscriber still gets each event once, in seq order; subscribers at one cursor share a pull.
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../domain/events';
import { StreamFeed, type Frame, type LogSource, type Subscriber } from '../durable-objects/stream-feed';
import { until } from './stream-helpers';

function aLog(types: (seq: number) => string = () => 'Contact.Created') {
  const log = {
    head: 0,
    pulls: 0,
    async pull(after: number, limit: number) {
      log.pulls += 1;
      await new Promise((r) => setTimeout(r, 1));
      const to = Math.min(log.head, after + limit);
      const events = Array.from({ length: Math.max(0, to - after) }, (_, i) =>
        anEvent(after + i + 1, types(after + i + 1)),
      );
      return { events, head: log.head };
    },
  };
  return log;
}

function anEvent(seq: number, type: string): StoredEvent {
  return {
    seq,
    id: `e${seq}`,
    type,
    entityType: type.split('.')[0]!,
    entityId: `x_${seq}`,
    entityVersion: 1,
    time: '2026-01-01T00:00:00.000Z',
    actor: 'admin',
    causationId: null,
    correlationId: null,
    data: {},
    dataHash: '',
    prevHash: '',
    hash: '',
  };
}

function aSubscriber(cursor = 0, types: string[] = []): Subscriber & { seqs: number[] } {
  const seqs: number[] = [];
  return {
    actor: 'admin',
    types,
    cursor,
    seqs,
    deliver: (frames: readonly Frame[]) => void seqs.push(...frames.map((f) => f.seq)),
    close: () => {},
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('the stream feed', () => {
  it('catches up on the next nudge when one was lost', async () => {
    const log = aLog();
    const feed = new StreamFeed(
      () => log as LogSource,
      () => 'acme',
    );
    const sub = aSubscriber();
    feed.add(sub);
    log.head = 3;
    feed.advance(3);
    await until(() => sub.seqs.length === 3);
    log.head = 7; // the nudge for 4..7 is lost
    log.head = 9;
    feed.advance(9);
    await until(() => sub.seqs.length === 9);
    expect(sub.seqs).toEqual(range(1, 9));
  });

  it('sends nothing twice when nudges repeat, arrive stale or out of order', async () => {
    const log = aLog();
    const feed = new StreamFeed(
      () => log as LogSource,
      () => 'acme',
    );
    const sub = aSubscriber();
    feed.add(sub);
    for (const head of [2, 5, 3, 5, 1, 8, 8, 6]) {
      log.head = Math.max(log.head, head);
      feed.advance(head);
    }
    await until(() => sub.seqs.length >= 8);
    await new Promise((r) => setTimeout(r, 20));
    expect(sub.seqs).toEqual(range(1, 8));
  });

  it('lets subscribers at the same cursor share one pull, and serves the live edge from memory', async () => {
    const log = aLog();
    const feed = new StreamFeed(
      () => log as LogSource,
      () => 'acme',
    );
    const subs = Array.from({ length: 20 }, () => aSubscriber(0));
    for (const s of subs) feed.add(s);
    log.head = 50;
    feed.advance(50);
    await until(() => subs.every((s) => s.seqs.length === 50));
    expect(log.pulls).toBe(1);
    const late = aSubscriber(10);
    feed.add(late);
    feed.advance(50);
    await until(() => late.seqs.length === 40);
    expect(late.seqs).toEqual(range(11, 50));
    expect(log.pulls).toBe(1);
  });

  it('skips the types a subscriber did not ask for but still moves its cursor past them', async () => {
    const log = aLog((seq) => (seq % 2 ? 'Contact.Created' : 'Deal.Created'));
    const feed = new StreamFeed(
      () => log as LogSource,
      () => 'acme',
    );
    const sub = aSubscriber(0, ['Deal.*']);
    feed.add(sub);
    log.head = 6;
    feed.advance(6);
    await until(() => sub.cursor === 6);
    expect(sub.seqs).toEqual([2, 4, 6]);
  });

  it('drops a subscriber whose client is gone, and keeps the others going', async () => {
    const log = aLog();
    const feed = new StreamFeed(
      () => log as LogSource,
      () => 'acme',
    );
    const closed: number[] = [];
    const gone: Subscriber = {
      actor: 'admin',
      types: [],
      cursor: 0,
      deliver: () => {
        throw new Error('stream closed');
      },
      close: (code) => void closed.push(code),
    };
    const fine = aSubscriber();
    feed.add(gone);
    feed.add(fine);
    log.head = 4;
    feed.advance(4);
    await until(() => fine.seqs.length === 4);
    expect(closed).toEqual([1011]);
    expect(feed.size).toBe(1);
  });
});
