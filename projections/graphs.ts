// The graphs the read model answers: a contact's manager chain and reports, an organization's buying
// committee (contacts by role and stage), its parent/subsidiary tree and org chart. Merged ids count
// as their target, deleted entities drop out, and every walk is bounded so bad data cannot loop.
import type { Entity, Representation } from '../domain/entity';
import { failure, ok, type Result } from '../durable-objects/protocol';
import type { ListQuery, Position } from './list-query';
import { MAX_HOPS, ReadView, type Page } from './read-view';

/** `depth=all` walks this many levels at most. */
export const MAX_DEPTH = 1_000;
/** A walk produces at most this many rows, whatever the data. */
export const MAX_NODES = 100_000;
export const CHART_LIMIT = 10_000;

export type GraphQuery =
  | { readonly kind: 'managers'; readonly id: string }
  | { readonly kind: 'reports'; readonly id: string; readonly depth: number; readonly limit: number; readonly after?: Position }
  | { readonly kind: 'committee'; readonly id: string; readonly list: ListQuery }
  | { readonly kind: 'chart'; readonly id: string };

export type GraphAnswer = Page & Record<string, unknown>;

export type Tree = Representation & { readonly children: Tree[] };

export function answerGraph(view: ReadView, query: GraphQuery): Result<GraphAnswer> {
  const rootNoun = query.kind === 'managers' || query.kind === 'reports' ? 'Contact' : 'Organization';
  const root = view.resolve(rootNoun, query.id);
  if ('code' in root) return { ok: false, error: root };
  // A merged id answers at its target (308), like a single read.
  if (root.id !== query.id) return failure('moved', `${query.id} was merged into ${root.id}`, { extra: { location: root.id } });
  switch (query.kind) {
    case 'managers':
      return ok({ data: managers(view, root), next: null });
    case 'reports':
      return ok(reports(view, root, query.depth, query.limit, query.after));
    case 'committee':
      return ok(committee(view, root, query.list));
    case 'chart':
      return ok(chart(view, root));
    default: {
      const _exhaustive: never = query;
      return _exhaustive;
    }
  }
}

/** Manager, manager's manager, …, nearest first; stops at a deleted manager or a loop. */
function managers(view: ReadView, contact: Entity): Representation[] {
  const chain: Representation[] = [];
  const seen = new Set([contact.id]);
  let next = contact.fields['manager'];
  while (typeof next === 'string' && chain.length < MAX_DEPTH) {
    const manager = view.resolve('Contact', next);
    if ('code' in manager || seen.has(manager.id)) break;
    seen.add(manager.id);
    chain.push(view.withIncludes(manager, []));
    next = manager.fields['manager'];
  }
  return chain;
}

/** Direct (depth 1) or transitive reports in (depth, id) order, each with its `$depth`. */
function reports(view: ReadView, contact: Entity, depth: number, limit: number, after?: Position): GraphAnswer {
  const t = view.table('Contact');
  const [afterDepth, afterId] = after ? [Number(after.values[0]), after.id] : [0, ''];
  // UNION ALL: a tree reaches each node once; on bad data (a loop) the depth bound and LIMIT stop it.
  // Merged sources (live = 0 here) join the walk at their target's depth, so their reports count as
  // the target's. Only the page's rows are joined to their entities.
  const rows = view.sql.exec(
    `WITH RECURSIVE tree(id, depth, live) AS (
       SELECT ?, 0, 0
       UNION ALL SELECT c.id, tree.depth + 1, 1 FROM tree JOIN ${t} c ON c."f_manager" = tree.id WHERE c.live = 1 AND tree.depth < ?
       UNION ALL SELECT c.id, tree.depth, 0 FROM tree JOIN ${t} c ON c.merged_into = tree.id
       LIMIT ${MAX_NODES}),
     page AS (SELECT id, d FROM (SELECT id, MIN(depth) AS d FROM tree WHERE live = 1 AND id <> ? GROUP BY id)
              WHERE d > ? OR (d = ? AND id > ?) ORDER BY d, id LIMIT ?)
     SELECT page.id, page.d AS depth, c.entity FROM page JOIN ${t} c ON c.id = page.id ORDER BY page.d, page.id`,
    contact.id, depth, contact.id, afterDepth, afterDepth, afterId, limit + 1,
  ).toArray();
  const data = rows.slice(0, limit).map((r) => ({ ...view.withIncludes(JSON.parse(String(r['entity'])) as Entity, []), $depth: Number(r['depth']) }));
  const last = rows[limit - 1];
  return { data, next: rows.length > limit && last ? { values: [Number(last['depth'])], id: String(last['id']) } : null };
}

/** An organization's contacts (a page, any list query) and the counts by role and stage of all of them. */
function committee(view: ReadView, org: Entity, list: ListQuery): GraphAnswer {
  const ids = view.aliases('Organization', org.id);
  const page = view.list({ ...list, where: [...list.where, { field: 'organization', op: '$in', value: ids }] });
  const groups = view.sql
    .exec(
      `SELECT "f_role" AS role, "f_stage" AS stage, COUNT(*) AS count FROM ${view.table('Contact')}
       WHERE live = 1 AND "f_organization" IN (SELECT value FROM json_each(?)) GROUP BY 1, 2 ORDER BY 1, 2`,
      JSON.stringify(ids),
    )
    .toArray()
    .map((r) => ({ role: r['role'], stage: r['stage'], count: Number(r['count']) }));
  return { ...page, organization: view.withIncludes(org, []), groups };
}

/** The organization's parents (nearest first), its subsidiary tree, and its people as a manager forest. */
function chart(view: ReadView, org: Entity): GraphAnswer {
  const parents: Representation[] = [];
  const seen = new Set([org.id]);
  for (let next = org.fields['parent']; typeof next === 'string' && parents.length < MAX_HOPS; ) {
    const parent = view.resolve('Organization', next);
    if ('code' in parent || seen.has(parent.id)) break;
    seen.add(parent.id);
    parents.push(view.withIncludes(parent, []));
    next = parent.fields['parent'];
  }
  const people = view.list({ noun: 'Contact', where: [{ field: 'organization', op: '$in', value: view.aliases('Organization', org.id) }], sort: [], limit: CHART_LIMIT, include: [] });
  return {
    data: people.data,
    next: null,
    organization: view.withIncludes(org, []),
    parents,
    subsidiaries: subsidiaries(view, org),
    people: forest(view, people.data),
    truncated: people.next !== null,
  };
}

function subsidiaries(view: ReadView, org: Entity): Tree[] {
  const t = view.table('Organization');
  const rows = view.sql.exec(
    `WITH RECURSIVE tree(id, depth) AS (
       SELECT ?, 0
       UNION SELECT o.id, tree.depth + 1 FROM tree JOIN ${t} o ON o."f_parent" = tree.id WHERE o.live = 1 AND tree.depth < ${MAX_DEPTH}
       UNION SELECT o.id, tree.depth FROM tree JOIN ${t} o ON o.merged_into = tree.id
       LIMIT ${MAX_NODES})
     SELECT DISTINCT o.entity FROM tree JOIN ${t} o ON o.id = tree.id WHERE o.live = 1 AND o.id <> ? LIMIT ${CHART_LIMIT}`,
    org.id, org.id,
  ).toArray();
  const nodes = rows.map((r) => view.withIncludes(JSON.parse(String(r['entity'])) as Entity, []));
  return nestUnder(view, 'Organization', 'parent', org.id, nodes);
}

// People whose manager is not among them are the roots; anyone caught in a loop becomes a root too.
function forest(view: ReadView, people: Representation[]): Tree[] {
  const ids = new Set(people.map((p) => p.$id));
  const roots = people.filter((p) => {
    const manager = typeof p['manager'] === 'string' ? resolveId(view, 'Contact', p['manager']) : undefined;
    return manager === undefined || !ids.has(manager);
  });
  return nestMany(view, 'Contact', 'manager', roots, people);
}

function nestUnder(view: ReadView, noun: string, field: string, rootId: string, nodes: Representation[]): Tree[] {
  const byParent = groupByParent(view, noun, field, nodes);
  const placed = new Set<string>([rootId]);
  const build = (id: string): Tree[] =>
    (byParent.get(id) ?? []).filter((n) => !placed.has(n.$id) && placed.add(n.$id)).map((n) => ({ ...n, children: build(n.$id) }));
  return build(rootId);
}

function nestMany(view: ReadView, noun: string, field: string, roots: Representation[], nodes: Representation[]): Tree[] {
  const byParent = groupByParent(view, noun, field, nodes);
  const placed = new Set<string>();
  const build = (node: Representation): Tree => ({ ...node, children: (byParent.get(node.$id) ?? []).filter((n) => !placed.has(n.$id) && placed.add(n.$id)).map(build) });
  const trees: Tree[] = [];
  for (const root of roots) if (!placed.has(root.$id) && placed.add(root.$id)) trees.push(build(root));
  for (const node of nodes) if (!placed.has(node.$id) && placed.add(node.$id)) trees.push(build(node));
  return trees;
}

function groupByParent(view: ReadView, noun: string, field: string, nodes: Representation[]): Map<string, Representation[]> {
  const byParent = new Map<string, Representation[]>();
  for (const node of nodes) {
    const parent = typeof node[field] === 'string' ? resolveId(view, noun, node[field]) : undefined;
    if (parent !== undefined) byParent.set(parent, [...(byParent.get(parent) ?? []), node]);
  }
  return byParent;
}

function resolveId(view: ReadView, noun: string, id: string): string | undefined {
  const entity = view.resolve(noun, id);
  return 'code' in entity ? undefined : entity.id;
}
