// Graph walks on a 10,000-long manager chain (issue 7): the chart, the reports and the managers answer
// 200 or a clear 422 naming the limit, never a stack overflow or a 500.
import { describe, expect, it } from 'vitest';
import { CHART_MAX_DEPTH } from '../projections/chart-trees';
import { MAX_DEPTH, PAGE_BYTES } from '../projections/graphs';
import { aContact, anOrganization, created } from './builders';
import { aTenant, apiJson } from './http';

const CHAIN = 10_000;
const BATCH = 1_000;

type Answer = { status: number; body: Record<string, any>; headers: Headers };

async function batch(tenant: string, operations: unknown[]): Promise<Answer> {
  const answer = await apiJson(`/~${tenant}/batch`, { body: { operations, atomic: true } });
  expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(200);
  return answer;
}

/** contact[i] reports to contact[i - 1]; all work at one organization. Managers are set from the bottom
 *  up, so each cycle check walks a chain of length one. */
async function aChain(tenant: string, orgId: string): Promise<{ ids: string[]; seq: string }> {
  const ids: string[] = [];
  for (let from = 0; from < CHAIN; from += BATCH) {
    const ops = Array.from({ length: BATCH }, () => ({
      type: 'Contact',
      verb: 'create',
      data: { ...aContact(), organization: orgId },
    }));
    ids.push(...(await batch(tenant, ops)).body['results'].map((r: { body: { $id: string } }) => r.body.$id));
  }
  let seq = '';
  for (let to = CHAIN - 1; to > 0; to -= BATCH) {
    const ops = [];
    for (let i = to; i > Math.max(0, to - BATCH); i--)
      ops.push({ type: 'Contact', verb: 'update', id: ids[i], data: { manager: ids[i - 1] } });
    seq = (await batch(tenant, ops)).headers.get('x-event-seq')!;
  }
  return { ids, seq };
}

describe(`a manager chain ${CHAIN} long`, () => {
  it('answers the chart with 422 naming its depth limit, and the reports and managers with 200', async () => {
    const tenant = aTenant();
    const org = await created(tenant, 'organizations', anOrganization());
    const { ids, seq } = await aChain(tenant, org['$id']);
    const wait = { headers: { 'x-min-seq': seq } };

    const chart = await apiJson(`/~${tenant}/organizations/${org['$id']}/chart`, wait);
    expect(chart.status).toBe(422);
    expect(chart.body['detail']).toMatch(new RegExp(`deeper than ${CHART_MAX_DEPTH} levels`));
    expect(chart.body['limit']).toBe(CHART_MAX_DEPTH);

    const reports = await apiJson(`/~${tenant}/contacts/${ids[0]}/reports?depth=all&limit=10000`, wait);
    expect(reports.status).toBe(200);
    expect(reports.body['data'].map((c: { $id: string }) => c.$id)).toEqual(ids.slice(1, MAX_DEPTH + 1));
    expect(reports.body).toMatchObject({ next: null, truncated: true, depthLimit: MAX_DEPTH });
    const fromDeepest = await apiJson(`/~${tenant}/contacts/${ids[MAX_DEPTH]}/reports?depth=all&limit=10`);
    expect(fromDeepest.body['data'][0].$id).toBe(ids[MAX_DEPTH + 1]);

    const managers = await apiJson(`/~${tenant}/contacts/${ids[CHAIN - 1]}/managers`, wait);
    expect(managers.status).toBe(200);
    expect(managers.body['data']).toHaveLength(MAX_DEPTH);
    expect(managers.body['data'][0].$id).toBe(ids[CHAIN - 2]);
    expect(managers.body).toMatchObject({ truncated: true, depthLimit: MAX_DEPTH });
    const near = await apiJson(`/~${tenant}/contacts/${ids[5]}/managers`);
    expect(near.body['data'].map((c: { $id: string }) => c.$id)).toEqual(ids.slice(0, 5).reverse());
    expect(near.body['truncated']).toBeUndefined();
  }, 120_000);

  it('charts a chain within the limit as nested trees', async () => {
    const tenant = aTenant();
    const org = await created(tenant, 'organizations', anOrganization());
    let manager: string | undefined;
    const ids: string[] = [];
    for (let i = 0; i < CHART_MAX_DEPTH; i++) {
      const contact = await created(
        tenant,
        'contacts',
        aContact({ organization: org['$id'], ...(manager ? { manager } : {}) }),
      );
      manager = contact['$id'];
      ids.push(manager!);
    }
    const chart = await apiJson(`/~${tenant}/organizations/${org['$id']}/chart`);
    expect(chart.status).toBe(200);
    let node = chart.body['people'][0];
    for (const id of ids) {
      expect(node.$id).toBe(id);
      node = node.children[0];
    }
    expect(node).toBeUndefined();
  }, 60_000);
});

describe('reports of large contacts', () => {
  it(`end a page at ${PAGE_BYTES / 1024 / 1024} MiB of entities, whatever the limit, and page on`, async () => {
    const tenant = aTenant();
    const boss = await created(tenant, 'contacts', aContact());
    const filler = (i: number) =>
      Object.fromEntries(
        [
          'firstName',
          'lastName',
          'phone',
          'mobile',
          'title',
          'department',
          'source',
          'twitterHandle',
          'marketingConsent',
          'owner',
        ].map((f) => [f, `${f}${i}`.padEnd(1_000, '.')]),
      );
    const count = Math.ceil((1.5 * PAGE_BYTES) / 10_000);
    let seq = '';
    for (let from = 0; from < count; from += 60) {
      const ops = Array.from({ length: Math.min(60, count - from) }, (_, i) => ({
        type: 'Contact',
        verb: 'create',
        data: { ...aContact(filler(from + i)), manager: boss['$id'] },
      }));
      seq = (await batch(tenant, ops)).headers.get('x-event-seq')!;
    }
    const wait = { headers: { 'x-min-seq': seq } };
    const first = await apiJson(`/~${tenant}/contacts/${boss['$id']}/reports?limit=10000`, wait);
    expect(first.status).toBe(200);
    expect(first.body['data'].length).toBeLessThan(count);
    expect(JSON.stringify(first.body).length).toBeLessThan(PAGE_BYTES * 1.2);
    expect(first.body['next']).toEqual(expect.any(String));
    const second = await apiJson(
      `/~${tenant}/contacts/${boss['$id']}/reports?limit=10000&cursor=${first.body['next']}`,
    );
    expect(second.body['next']).toBeNull();
    const all = [...first.body['data'], ...second.body['data']].map((c: { $id: string }) => c.$id);
    expect(new Set(all).size).toBe(count);
  }, 60_000);
});
