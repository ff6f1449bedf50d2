// Property: over random data, list/filter/sort/pagination and the manager graphs answer exactly what a
// brute-force computation over a fold of the same log answers.
import { runInDurableObject } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Entity } from '../domain/entity';
import { aTenant, apiJson } from './http';
import { compileList } from '../projections/list-sql';
import type { ListQuery } from '../projections/list-query';
import { foldedLog, readModelStub } from './projection-helpers';

type Rep = Record<string, any> & { $id: string };
type Value = string | number;
type Cond = { field: string; op: string; value: Value | Value[] | boolean };
type Sort = { field: string; desc: boolean };

const STAGES = ['Prospecting', 'Proposal', 'ClosedWon'] as const;
const VALUES = [0, 10, 10, 25, 70] as const;
const SOURCES = ['web', 'ref', 'ads'] as const;

const dataset = fc.record({
  organizations: fc.integer({ min: 0, max: 2 }),
  contacts: fc.array(
    fc.record({
      manager: fc.option(fc.nat(), { nil: undefined }),
      org: fc.option(fc.nat(), { nil: undefined }),
      role: fc.option(fc.constantFrom('DecisionMaker', 'Champion'), { nil: undefined }),
      stage: fc.option(fc.constantFrom('Lead', 'Qualified', 'Customer'), { nil: undefined }),
      source: fc.option(fc.constantFrom(...SOURCES), { nil: undefined }),
      deleted: fc.boolean(),
    }),
    { minLength: 1, maxLength: 12 },
  ),
  deals: fc.array(
    fc.record({
      value: fc.option(fc.constantFrom(...VALUES), { nil: undefined, freq: 2 }),
      stage: fc.option(fc.constantFrom(...STAGES), { nil: undefined }),
      deleted: fc.boolean(),
    }),
    { maxLength: 10 },
  ),
});

const dealCondition: fc.Arbitrary<Cond> = fc.oneof(
  fc.record({
    field: fc.constant('value'),
    op: fc.constantFrom('$eq', '$ne', '$gt', '$gte', '$lt', '$lte'),
    value: fc.constantFrom(...VALUES),
  }),
  fc.record({ field: fc.constant('stage'), op: fc.constantFrom('$eq', '$ne'), value: fc.constantFrom(...STAGES) }),
  fc.record({ field: fc.constantFrom('value', 'stage'), op: fc.constant('$exists'), value: fc.boolean() }),
  fc.record({
    field: fc.constant('stage'),
    op: fc.constantFrom('$in', '$nin'),
    value: fc.uniqueArray(fc.constantFrom(...STAGES), { minLength: 1 }),
  }),
  fc.record({
    field: fc.constant('value'),
    op: fc.constantFrom('$in', '$nin'),
    value: fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1 }),
  }),
);
const dealSort: fc.Arbitrary<Sort[]> = fc.uniqueArray(
  fc.record({ field: fc.constantFrom('value', 'stage', 'name', '$createdAt'), desc: fc.boolean() }),
  { maxLength: 2, selector: (s) => s.field },
);
// One operator per field at most: the JSON form cannot say `$exists` twice on one field.
const query = fc.record({
  where: fc.uniqueArray(dealCondition, { maxLength: 2, selector: (c) => `${c.field}${c.op}` }),
  sort: dealSort,
  limit: fc.integer({ min: 1, max: 4 }),
  viaQueryString: fc.boolean(),
});

function fieldValueOf(entity: Entity, field: string): Value | undefined {
  if (field === '$id') return entity.id;
  if (field === '$createdAt') return entity.createdAt;
  return entity.fields[field] as Value | undefined;
}

function matches(entity: Entity, c: Cond): boolean {
  const v = fieldValueOf(entity, c.field);
  switch (c.op) {
    case '$eq':
      return v !== undefined && v === c.value;
    case '$ne':
      return v === undefined || v !== c.value;
    case '$gt':
      return v !== undefined && v > (c.value as Value);
    case '$gte':
      return v !== undefined && v >= (c.value as Value);
    case '$lt':
      return v !== undefined && v < (c.value as Value);
    case '$lte':
      return v !== undefined && v <= (c.value as Value);
    case '$in':
      return v !== undefined && (c.value as Value[]).includes(v);
    case '$nin':
      return v === undefined || !(c.value as Value[]).includes(v);
    case '$exists':
      return (v !== undefined) === c.value;
    default:
      throw new Error(c.op);
  }
}

// Absent values sort first ascending, last descending; ties break by id in the last key's direction.
function compare(a: Entity, b: Entity, sort: readonly Sort[]): number {
  const ascending = (x: Value | undefined, y: Value | undefined) =>
    x === y ? 0 : x === undefined ? -1 : y === undefined ? 1 : x < y ? -1 : 1;
  for (const key of sort) {
    const c = ascending(fieldValueOf(a, key.field), fieldValueOf(b, key.field));
    if (c !== 0) return key.desc ? -c : c;
  }
  const c = ascending(a.id, b.id);
  return sort.at(-1)?.desc ? -c : c;
}

function queryString(q: { where: Cond[]; sort: Sort[]; limit: number }, cursor: string | null): string {
  const params = new URLSearchParams();
  for (const c of q.where)
    params.append(`${c.field}[${c.op.slice(1)}]`, Array.isArray(c.value) ? c.value.join(',') : String(c.value));
  if (q.sort.length) params.set('sort', q.sort.map((k) => `${k.desc ? '-' : ''}${k.field}`).join(','));
  params.set('limit', String(q.limit));
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}

async function allPages(
  tenant: string,
  q: { where: Cond[]; sort: Sort[]; limit: number; viaQueryString: boolean },
): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const filter: Record<string, Record<string, unknown>> = {};
    for (const c of q.where) filter[c.field] = { ...filter[c.field], [c.op]: c.value };
    const answer: { status: number; body: { data: Rep[]; next: string | null } } = q.viaQueryString
      ? await apiJson(`/~${tenant}/deals?${queryString(q, cursor)}`)
      : await apiJson(`/~${tenant}/query`, {
          body: {
            type: 'Deal',
            filter,
            sort: Object.fromEntries(q.sort.map((k) => [k.field, k.desc ? 'desc' : 'asc'])),
            limit: q.limit,
            ...(cursor ? { cursor } : {}),
          },
        });
    expect(answer.status).toBe(200);
    pages.push(answer.body.data.map((r) => r.$id));
    cursor = answer.body.next;
  } while (cursor && pages.length < 100);
  return pages;
}

// An organization's contacts, their counts by (role, stage) with absent values first, and its people
// as a forest in which every child's manager is its parent.
async function expectCommittee(tenant: string, orgId: string, contacts: readonly Entity[]): Promise<void> {
  const members = contacts.filter((c) => c.fields['organization'] === orgId).sort((a, b) => (a.id < b.id ? -1 : 1));
  const committee = await apiJson(`/~${tenant}/organizations/${orgId}/contacts?limit=1000`);
  expect(committee.body['data'].map((r: Rep) => r.$id)).toEqual(members.map((m) => m.id));
  const counts = new Map<string, { role: unknown; stage: unknown; count: number }>();
  for (const m of members) {
    const [role, stage] = [m.fields['role'] ?? null, m.fields['stage'] ?? null];
    const key = JSON.stringify([role, stage]);
    counts.set(key, { role, stage, count: (counts.get(key)?.count ?? 0) + 1 });
  }
  const order = (x: unknown, y: unknown) =>
    x === y ? 0 : x === null ? -1 : y === null ? 1 : String(x) < String(y) ? -1 : 1;
  expect(committee.body['groups']).toEqual(
    [...counts.values()].sort((a, b) => order(a.role, b.role) || order(a.stage, b.stage)),
  );
  const chart = await apiJson(`/~${tenant}/organizations/${orgId}/chart`);
  const placed: string[] = [];
  const walk = (nodes: Rep[], parent: string | undefined) => {
    for (const node of nodes) {
      placed.push(node.$id);
      if (parent !== undefined) expect(node['manager']).toBe(parent);
      walk(node['children'], node.$id);
    }
  };
  walk(chart.body['people'], undefined);
  expect(placed.sort()).toEqual(members.map((m) => m.id));
}

type Dataset = typeof dataset extends fc.Arbitrary<infer T> ? T : never;

async function load(tenant: string, data: Dataset): Promise<void> {
  const orgs: string[] = [];
  for (let i = 0; i < data.organizations; i++)
    orgs.push((await apiJson(`/~${tenant}/organizations`, { body: { name: `O${i}` } })).body['$id']);
  const contacts: string[] = [];
  for (const c of data.contacts) {
    const manager =
      c.manager === undefined || contacts.length === 0 ? undefined : contacts[c.manager % contacts.length];
    const organization = c.org === undefined || orgs.length === 0 ? undefined : orgs[c.org % orgs.length];
    const fields = {
      ...(manager ? { manager } : {}),
      ...(organization ? { organization } : {}),
      ...(c.role ? { role: c.role } : {}),
      ...(c.stage ? { stage: c.stage } : {}),
      ...(c.source ? { source: c.source } : {}),
    };
    const made = await apiJson(`/~${tenant}/contacts`, { body: { name: `P${contacts.length}`, ...fields } });
    contacts.push(made.body['$id']);
  }
  for (const [i, d] of data.deals.entries()) {
    const made = await apiJson(`/~${tenant}/deals`, {
      body: {
        name: `D${i % 3}`,
        ...(d.value === undefined ? {} : { value: d.value }),
        ...(d.stage ? { stage: d.stage } : {}),
      },
    });
    if (d.deleted) await apiJson(`/~${tenant}/deals/${made.body['$id']}`, { method: 'DELETE' });
  }
  for (const [i, c] of data.contacts.entries())
    if (c.deleted) await apiJson(`/~${tenant}/contacts/${contacts[i]}`, { method: 'DELETE' });
}

const live = (entities: Record<string, Entity>, type: string) =>
  Object.values(entities).filter((e) => e.type === type && !e.deletedAt && !e.mergedInto);

describe('the read model against brute force', () => {
  it('lists, filters, sorts and pages as a fold of the log does', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(dataset, fc.array(query, { minLength: 1, maxLength: 6 }), async (data, queries) => {
        const tenant = aTenant('prop');
        await load(tenant, data);
        const deals = live(await foldedLog(tenant), 'Deal');
        for (const q of queries) {
          const expected = deals
            .filter((d) => q.where.every((c) => matches(d, c)))
            .sort((a, b) => compare(a, b, q.sort))
            .map((d) => d.id);
          const pages = await allPages(tenant, q);
          expect(pages.flat()).toEqual(expected);
          expect(pages.slice(0, -1).every((p) => p.length === q.limit)).toBe(true);
          expect(pages.at(-1)!.length).toBeLessThanOrEqual(q.limit);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('answers reports and manager chains as a walk over the folded contacts does', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(dataset, fc.nat(), async (data, pick) => {
        const tenant = aTenant('prop');
        await load(tenant, data);
        const folded = await foldedLog(tenant);
        const contacts = live(folded, 'Contact');
        if (contacts.length === 0) return;
        const root = contacts[pick % contacts.length]!;
        const expectedReports: [string, number][] = [];
        let frontier = [root.id];
        for (let depth = 1; frontier.length; depth++) {
          frontier = contacts
            .filter((c) => frontier.includes(c.fields['manager'] as string))
            .map((c) => c.id)
            .sort();
          expectedReports.push(...frontier.map((id) => [id, depth] as [string, number]));
        }
        const reports = await apiJson(`/~${tenant}/contacts/${root.id}/reports?depth=all`);
        expect(reports.body['data'].map((r: Rep) => [r.$id, r['$depth']])).toEqual(expectedReports);
        const expectedManagers: string[] = [];
        for (
          let m = folded[root.fields['manager'] as string];
          m && !m.deletedAt;
          m = folded[m.fields['manager'] as string]
        )
          expectedManagers.push(m.id);
        expect((await apiJson(`/~${tenant}/contacts/${root.id}/managers`)).body['data'].map((r: Rep) => r.$id)).toEqual(
          expectedManagers,
        );
        for (const org of live(folded, 'Organization')) await expectCommittee(tenant, org.id, contacts);
      }),
      { numRuns: 15 },
    );
  });

  it('answers the same whether SQLite walks the sort index or the filter index', { timeout: 120_000 }, async () => {
    const tenant = aTenant('prop');
    await load(tenant, fc.sample(dataset, { numRuns: 1, seed: 42 })[0]!);
    for (let i = 0; i < 20; i++)
      await apiJson(`/~${tenant}/deals`, {
        body: {
          name: `E${i % 4}`,
          ...(i % 3 ? { value: VALUES[i % 5] } : {}),
          ...(i % 4 ? { stage: STAGES[i % 3] } : {}),
        },
      });
    const queries = fc.sample(query, { numRuns: 200, seed: 7 });
    const answers = await runInDurableObject(readModelStub(tenant), (_i, state) =>
      queries.map((q) => {
        const list: ListQuery = {
          noun: 'Deal',
          where: q.where as ListQuery['where'],
          sort: q.sort,
          limit: 1000,
          include: [],
        };
        const run = (viaSortIndex: boolean) => {
          const { sql, params } = compileList(1, list, viaSortIndex);
          return state.storage.sql
            .exec(sql, ...params)
            .toArray()
            .map((r) => r['id']);
        };
        return [run(true), run(false)];
      }),
    );
    for (const [viaSort, viaFilter] of answers) expect(viaSort).toEqual(viaFilter);
  });
});
