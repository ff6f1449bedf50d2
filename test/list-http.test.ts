// Lists from the read model through HTTP: filters, operators, sort, cursor pages, include, the MCP
// query form, and every bad query answered as a problem.
import { describe, expect, it } from 'vitest';
import { aContact, anOrganization } from './builders';
import { aTenant, api, apiJson } from './http';

type Rep = Record<string, any> & { $id: string };

async function create(tenant: string, collection: string, body: Record<string, unknown>): Promise<Rep> {
  const created = await apiJson<Rep>(`/~${tenant}/${collection}`, { body });
  expect(created.status).toBe(201);
  return created.body;
}

async function list(tenant: string, query: string) {
  return apiJson<{ data: Rep[]; next: string | null }>(`/~${tenant}/${query}`);
}

const ids = (reps: readonly Rep[]) => reps.map((r) => r.$id);

describe('GET /~t/{collection}', () => {
  it('filters by equality and operators, sorts with an id tie-break and says which seq it reflects', async () => {
    const tenant = aTenant();
    const deals = [];
    for (const [value, stage] of [
      [500, 'Proposal'],
      [100, 'Prospecting'],
      [300, 'Proposal'],
      [300, 'Negotiation'],
      [null, 'Proposal'],
    ] as const)
      deals.push(await create(tenant, 'deals', { name: `Deal ${value}`, stage, ...(value === null ? {} : { value }) }));
    const [d500, d100, d300a, d300b, dNone] = deals as [Rep, Rep, Rep, Rep, Rep];

    const proposals = await list(tenant, 'deals?stage=Proposal&sort=-value');
    expect(proposals.status).toBe(200);
    expect(proposals.headers.get('x-projection-seq')).toBe('5');
    expect(ids(proposals.body.data)).toEqual([d500.$id, d300a.$id, dNone.$id]);

    expect(ids((await list(tenant, 'deals?value[gte]=300&sort=value')).body.data)).toEqual([
      d300a.$id,
      d300b.$id,
      d500.$id,
    ]);
    expect(ids((await list(tenant, 'deals?sort=-value')).body.data)).toEqual([
      d500.$id,
      d300b.$id,
      d300a.$id,
      d100.$id,
      dNone.$id,
    ]);
    expect(ids((await list(tenant, 'deals?value[exists]=false')).body.data)).toEqual([dNone.$id]);
    expect(ids((await list(tenant, 'deals?stage[in]=Prospecting,Negotiation')).body.data)).toEqual([
      d100.$id,
      d300b.$id,
    ]);
    expect(ids((await list(tenant, 'deals?stage[nin]=Proposal&value[lt]=300')).body.data)).toEqual([d100.$id]);
    expect(ids((await list(tenant, 'deals?value[ne]=300')).body.data)).toEqual([d500.$id, d100.$id, dNone.$id]);
  });

  it('pages with an opaque cursor until next is null, every row once', async () => {
    const tenant = aTenant();
    const made = [];
    for (let i = 0; i < 7; i++) made.push(await create(tenant, 'deals', { name: `D${i}`, value: i % 3 }));
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page = await list(tenant, `deals?sort=-value&limit=3${next ? `&cursor=${next}` : ''}`);
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...ids(page.body.data));
      next = page.body.next;
    } while (next);
    const expected = [...made].sort((a, b) => b['value'] - a['value'] || (a.$id < b.$id ? 1 : -1));
    expect(seen).toEqual(ids(expected));
  });

  it('pages across absent values: first when ascending, last when descending', async () => {
    const tenant = aTenant();
    const none1 = await create(tenant, 'deals', { name: 'n1' });
    const ten = await create(tenant, 'deals', { name: 'ten', value: 10 });
    const none2 = await create(tenant, 'deals', { name: 'n2' });
    for (const [sort, expected] of [
      ['value', [none1, none2, ten]],
      ['-value', [ten, none2, none1]],
    ] as const) {
      const seen: string[] = [];
      let next: string | null = null;
      do {
        const page = await list(tenant, `deals?sort=${sort}&limit=1${next ? `&cursor=${next}` : ''}`);
        seen.push(...ids(page.body.data));
        next = page.body.next;
      } while (next);
      expect(seen).toEqual(ids(expected));
    }
  });

  it('defaults to 50 rows a page and refuses more than 1,000', async () => {
    const tenant = aTenant();
    for (let i = 0; i < 51; i++) await create(tenant, 'campaigns', { name: `C${i}` });
    const page = await list(tenant, 'campaigns');
    expect(page.body.data).toHaveLength(50);
    expect(page.body.next).toEqual(expect.any(String));
    expect((await list(tenant, 'campaigns?limit=1001')).status).toBe(400);
  });

  it('includes references and inverses as a single read does', async () => {
    const tenant = aTenant();
    const org = await create(tenant, 'organizations', anOrganization());
    const boss = await create(tenant, 'contacts', aContact({ organization: org.$id }));
    await create(tenant, 'contacts', aContact({ manager: boss.$id }));
    const page = await list(tenant, `contacts?organization=${org.$id}&include=organization,reports`);
    expect(page.body.data).toHaveLength(1);
    expect(page.body.data[0]!['organization']).toMatchObject({ $id: org.$id, name: org['name'] });
    expect(page.body.data[0]!['reports']).toHaveLength(1);
  });

  it('leaves deleted entities out', async () => {
    const tenant = aTenant();
    const kept = await create(tenant, 'contacts', aContact());
    const dropped = await create(tenant, 'contacts', aContact());
    expect((await api(`/~${tenant}/contacts/${dropped.$id}`, { method: 'DELETE' })).status).toBe(204);
    expect(ids((await list(tenant, 'contacts')).body.data)).toEqual([kept.$id]);
  });

  it.each([
    ['an unknown field', 'contacts?shoeSize=42', 400],
    ['an inverse field', 'contacts?reports=x', 400],
    ['an unknown operator', 'deals?value[near]=3', 400],
    ['a number that is not one', 'deals?value[gt]=lots', 422],
    ['an enum value not in the enum', 'contacts?stage=Prospect', 422],
    ['a bad date-time', 'contacts?lastEngagement[gte]=yesterday', 422],
    ['a sort by an unknown field', 'contacts?sort=-shoeSize', 400],
    ['a made-up cursor', 'contacts?cursor=bm9wZQ', 400],
    ['a limit of zero', 'contacts?limit=0', 400],
    ['an unknown include', 'contacts?include=friends', 400],
    ['a repeated sort', 'contacts?sort=name&sort=email', 400],
    ['a name Object.prototype carries, as a filter', 'contacts?toString[ne]=x', 400],
    ['a name Object.prototype carries, as a sort', 'contacts?sort=-constructor', 400],
  ])('answers %s with a problem', async (_what, query, status) => {
    const tenant = aTenant();
    const answer = await apiJson(`/~${tenant}/${query}`);
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
  });

  it('refuses a cursor given out for another sort', async () => {
    const tenant = aTenant();
    for (let i = 0; i < 3; i++) await create(tenant, 'deals', { name: `D${i}`, value: i });
    const page = await list(tenant, 'deals?sort=value&limit=1');
    const other = await apiJson(`/~${tenant}/deals?sort=-value&cursor=${page.body.next}`);
    expect(other.status).toBe(400);
    expect(other.body['errors'][0].path).toBe('?cursor');
  });
});

describe('POST /~t/query', () => {
  it('answers the spec MCP form', async () => {
    const tenant = aTenant();
    const web = await create(tenant, 'contacts', aContact({ stage: 'Lead', source: 'website' }));
    await create(tenant, 'contacts', aContact({ stage: 'Lead', source: 'referral' }));
    await create(tenant, 'contacts', aContact({ stage: 'Customer', source: 'website' }));
    const answer = await apiJson(`/~${tenant}/query`, {
      body: { type: 'Contact', filter: { stage: 'Lead', source: 'website' }, sort: { leadScore: 'desc' }, limit: 50 },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-projection-seq')).toBe('3');
    expect(answer.body).toEqual({ data: [web], next: null });
  });

  it('takes operators and pages with the cursor it gives', async () => {
    const tenant = aTenant();
    const deals = [];
    for (let i = 0; i < 5; i++) deals.push(await create(tenant, 'deals', { name: `D${i}`, value: i * 10 }));
    const first = await apiJson(`/~${tenant}/query`, {
      body: { type: 'Deal', filter: { value: { $gte: 10, $lt: 40 } }, sort: { value: 'desc' }, limit: 2 },
    });
    expect(ids(first.body['data'])).toEqual([deals[3]!.$id, deals[2]!.$id]);
    const second = await apiJson(`/~${tenant}/query`, {
      body: {
        type: 'Deal',
        filter: { value: { $gte: 10, $lt: 40 } },
        sort: { value: 'desc' },
        limit: 2,
        cursor: first.body['next'],
      },
    });
    expect(ids(second.body['data'])).toEqual([deals[1]!.$id]);
    expect(second.body['next']).toBeNull();
  });

  it.each([
    ['no type', { filter: {} }, 400],
    ['an unknown type', { type: 'Spaceship' }, 400],
    ['an unknown operator', { type: 'Deal', filter: { value: { $near: 3 } } }, 400],
    ['an unknown query field', { type: 'Deal', where: {} }, 400],
    ['$in without a list', { type: 'Deal', filter: { stage: { $in: 'Proposal' } } }, 400],
    ['a value of the wrong type', { type: 'Deal', filter: { value: 'ten' } }, 422],
    ['a bad sort order', { type: 'Deal', sort: { value: 'sideways' } }, 400],
    ['a filter on __proto__', JSON.parse('{"type": "Deal", "filter": {"__proto__": {"$eq": 1}}}'), 400],
    ['a type Object.prototype carries', { type: 'constructor' }, 400],
  ])('answers %s with a problem', async (_what, body, status) => {
    const answer = await apiJson(`/~${aTenant()}/query`, { body });
    expect(answer.status).toBe(status);
  });

  it('is a POST only', async () => {
    const answer = await api(`/~${aTenant()}/query`);
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
  });
});
