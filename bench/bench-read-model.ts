// ReadModel plus bench-only loops that run inside the object, timed from outside around one call:
// a rebuild from seq 0 (catch-up speed), and queries over a synthetic table (100k contacts with lead
// scores, which no command on this branch writes yet). Never deployed: only bench/worker.ts exports it.
import type { StoredEvent } from '../domain/events';
import { ReadModel } from '../durable-objects/read-model';
import { answerGraph, MAX_DEPTH } from '../projections/graphs';
import { Projector } from '../projections/projector';
import { ReadView } from '../projections/read-view';
import { RANK } from '../projections/list-query';
import { searchExpression } from '../projections/search';

const STAGES = ['Lead', 'Qualified', 'Customer', 'Churned', 'Partner'];
export const benchContactId = (i: number) => `contact_${String(i).padStart(26, '0')}`;

export class BenchReadModel extends ReadModel {
  /** Rebuilds from seq 0 and waits for the swap: how fast the projection catches up on a log. */
  async benchRebuild(tenant: string): Promise<{ checkpoint: number; generation: number }> {
    await this.rebuild(tenant);
    await this.continueRebuild(tenant);
    return this.live();
  }

  /**
   * Applies `count` synthetic Contact.Created events (from index `from`) to the live tables: lead
   * scores 0..100, five stages, and the first `treeSize` contacts a tree under contact 0 (ten reports
   * each). Only for a tenant whose log is empty: the checkpoint does not move.
   */
  async benchSeedContacts(from: number, count: number, treeSize: number): Promise<number> {
    const events: StoredEvent[] = [];
    for (let i = from; i < from + count; i++) {
      const manager = i > 0 && i < treeSize ? { manager: benchContactId(Math.floor((i - 1) / 10)) } : {};
      const data = {
        name: `Person ${i}`,
        email: `p${i}@example.com`,
        stage: STAGES[i % 5],
        leadScore: (i * 7919) % 101,
        ...manager,
      };
      events.push({
        seq: i + 1,
        id: `e${i}`,
        type: 'Contact.Created',
        entityType: 'Contact',
        entityId: benchContactId(i),
        entityVersion: 1,
        time: '2026-01-01T00:00:00.000Z',
        actor: 'bench',
        causationId: null,
        correlationId: null,
        data,
        dataHash: '',
        prevHash: '',
        hash: '',
      });
    }
    this.ctx.storage.transactionSync(() => new Projector(this.sql, this.live().generation).apply(events));
    return events.length;
  }

  /** The top 50 contacts by lead score, `repeat` times, optionally among one stage. */
  async benchTopByScore(repeat: number, stage?: string): Promise<number> {
    const view = new ReadView(this.sql, this.live().generation);
    let rows = 0;
    for (let i = 0; i < repeat; i++)
      rows = view.list({
        noun: 'Contact',
        where: stage ? [{ field: 'stage', op: '$eq', value: stage }] : [],
        sort: [{ field: 'leadScore', desc: true }],
        limit: 50,
        include: [],
      }).data.length;
    return rows;
  }

  /** Contact 0's transitive reports (the whole walk), `repeat` times; answers the page size. */
  async benchReports(repeat: number, limit: number): Promise<number> {
    const view = new ReadView(this.sql, this.live().generation);
    let rows = 0;
    for (let i = 0; i < repeat; i++) {
      const answer = answerGraph(view, { kind: 'reports', id: benchContactId(0), depth: MAX_DEPTH, limit });
      if (!answer.ok) throw new Error(answer.error.message);
      rows = answer.value.data.length;
    }
    return rows;
  }

  /** A full-text search (best 50 by rank), `repeat` times; answers the page size. */
  async benchSearch(repeat: number, words: string): Promise<number> {
    const search = searchExpression(words, '?q');
    if (!search.ok || !search.value) throw new Error(`not a search: ${words}`);
    const view = new ReadView(this.sql, this.live().generation);
    let rows = 0;
    for (let i = 0; i < repeat; i++)
      rows = view.list({
        noun: 'Contact',
        where: [],
        sort: [{ field: RANK, desc: false }],
        limit: 50,
        include: [],
        search: search.value,
      }).data.length;
    return rows;
  }
}
