// The graphs the read model answers: a contact's manager chain and reports, an organization's buying
// committee (contacts by role and stage), its parent/subsidiary tree and org chart. Merged ids count
// as their target, deleted entities drop out, and every walk is bounded so bad data cannot loop. Walks
// are loops or SQL, never recursion: a 10,000-long manager chain cannot overflow the stack.
import type { Entity, Representation } from '../domain/entity';
import { failure, ok, type Result } from '../shared/protocol';
import type { ListQuery, Position } from './list-query';
import { CHART_MAX_DEPTH, forest, nestUnder, type Tree } from './chart-trees';
import { MAX_HOPS, type ReadView, type Page } from './read-view';
import { columnOf } from './tables';

/** `depth=all` walks this many levels at most. */
export const MAX_DEPTH = 1_000;
/** A walk produces at most this many rows, whatever the data. */
export const MAX_NODES = 100_000;
export const CHART_LIMIT = 10_000;
/** A page of reports holds at most this many characters of stored entities (then `next` pages on). */
export const PAGE_BYTES = 4 * 1024 * 1024;

// The columns the walks join on, named through the derived table description.
const MANAGER = columnOf('Contact', 'manager');
const ROLE = columnOf('Contact', 'role');
const STAGE = columnOf('Contact', 'stage');
const ORGANIZATION = columnOf('Contact', 'organization');
const PARENT = columnOf('Organization', 'parent');

export type GraphQuery =
  | { readonly kind: 'managers'; readonly id: string }
  | {
      readonly kind: 'reports';
      readonly id: string;
      readonly depth: number;
      readonly limit: number;
      readonly after?: Position;
    }
  | { readonly kind: 'committee'; readonly id: string; readonly list: ListQuery }
  | { readonly kind: 'chart'; readonly id: string };

export type GraphAnswer = Page & Record<string, unknown>;

export function answerGraph(view: ReadView, query: GraphQuery): Result<GraphAnswer> {
  const rootNoun = query.kind === 'managers' || query.kind === 'reports' ? 'Contact' : 'Organization';
  const root = view.resolve(rootNoun, query.id);
  if ('code' in root) return { ok: false, error: root };
  // A merged id answers at its target (308), like a single read.
  if (root.id !== query.id)
    return failure('moved', `${query.id} was merged into ${root.id}`, { extra: { location: root.id } });
  switch (query.kind) {
    case 'managers':
      return ok(managers(view, root));
    case 'reports':
      return ok(reports(view, root, query.depth, query.limit, query.after));
    case 'committee':
      return ok(committee(view, root, query.list));
    case 'chart':
      return chart(view, root);
    default: {
      const _exhaustive: never = query;
      return _exhaustive;
    }
  }
}

/** Manager, manager's manager, …, nearest first; stops at a deleted manager, a loop or MAX_DEPTH
 *  (then `truncated` says the chain goes on: read on from the last one's managers). */
function managers(view: ReadView, contact: Entity): GraphAnswer {
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
  const more = typeof next === 'string' && chain.length === MAX_DEPTH && !('code' in view.resolve('Contact', next));
  return { data: chain, next: null, ...(more ? { truncated: true, depthLimit: MAX_DEPTH } : {}) };
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
       UNION ALL SELECT c.id, tree.depth + 1, 1 FROM tree JOIN ${t} c ON c.${MANAGER} = tree.id
         WHERE c.live = 1 AND tree.depth < ?
       UNION ALL SELECT c.id, tree.depth, 0 FROM tree JOIN ${t} c ON c.merged_into = tree.id
       LIMIT ${MAX_NODES}),
     page AS (SELECT id, d FROM (SELECT id, MIN(depth) AS d FROM tree WHERE live = 1 AND id <> ? GROUP BY id)
              WHERE d > ? OR (d = ? AND id > ?) ORDER BY d, id LIMIT ?)
     SELECT page.id, page.d AS depth, c.entity FROM page JOIN ${t} c ON c.id = page.id ORDER BY page.d, page.id`,
    contact.id,
    depth,
    contact.id,
    afterDepth,
    afterDepth,
    afterId,
    limit + 1,
  );
  // Rows are read one at a time, and a page ends at `limit` rows or PAGE_BYTES of stored entities,
  // whichever comes first: 10,000 large contacts must not become one answer of hundreds of MB.
  const data: Representation[] = [];
  let bytes = 0;
  let last: { depth: number; id: string } | undefined;
  for (const r of rows) {
    const entity = String(r['entity']);
    if (data.length === limit || (data.length > 0 && bytes + entity.length > PAGE_BYTES))
      return { data, next: last ? { values: [last.depth], id: last.id } : null };
    bytes += entity.length;
    last = { depth: Number(r['depth']), id: String(r['id']) };
    data.push({ ...view.withIncludes(JSON.parse(entity) as Entity, []), $depth: last.depth });
  }
  const cut = last?.depth === MAX_DEPTH && reportsBelow(view, data, MAX_DEPTH);
  return { data, next: null, ...(cut ? DEPTH_LIMITED : {}) };
}

const DEPTH_LIMITED = { truncated: true, depthLimit: MAX_DEPTH };

// The walk stops at MAX_DEPTH: whether anyone reports to the deepest contacts of the last page.
function reportsBelow(view: ReadView, page: readonly Representation[], depth: number): boolean {
  const deepest = page.filter((r) => r['$depth'] === depth).map((r) => r.$id);
  const t = view.table('Contact');
  const sql = `SELECT 1 FROM ${t} WHERE live = 1 AND ${MANAGER} IN (SELECT value FROM json_each(?)) LIMIT 1`;
  return view.sql.exec(sql, JSON.stringify(deepest)).toArray().length > 0;
}

/** An organization's contacts (a page, any list query) and the counts by role and stage of all of them. */
function committee(view: ReadView, org: Entity, list: ListQuery): GraphAnswer {
  const ids = view.aliases('Organization', org.id);
  const page = view.list({ ...list, where: [...list.where, { field: 'organization', op: '$in', value: ids }] });
  const groups = view.sql
    .exec(
      `SELECT ${ROLE} AS role, ${STAGE} AS stage, COUNT(*) AS count FROM ${view.table('Contact')}
       WHERE live = 1 AND ${ORGANIZATION} IN (SELECT value FROM json_each(?)) GROUP BY 1, 2 ORDER BY 1, 2`,
      JSON.stringify(ids),
    )
    .toArray()
    .map((r) => ({ role: r['role'], stage: r['stage'], count: Number(r['count']) }));
  return { ...page, organization: view.withIncludes(org, []), groups };
}

/** The organization's parents (nearest first), its subsidiary tree, and its people as a manager forest. */
function chart(view: ReadView, org: Entity): Result<GraphAnswer> {
  const parents: Representation[] = [];
  const seen = new Set([org.id]);
  for (let next = org.fields['parent']; typeof next === 'string' && parents.length < MAX_HOPS; ) {
    const parent = view.resolve('Organization', next);
    if ('code' in parent || seen.has(parent.id)) break;
    seen.add(parent.id);
    parents.push(view.withIncludes(parent, []));
    next = parent.fields['parent'];
  }
  const people = view.list({
    noun: 'Contact',
    where: [{ field: 'organization', op: '$in', value: view.aliases('Organization', org.id) }],
    sort: [],
    limit: CHART_LIMIT,
    include: [],
  });
  const subsidiaryTree = subsidiaries(view, org);
  if (!subsidiaryTree) return tooDeep(`the subsidiaries of ${org.id}`, '/organizations?parent={id}, a level at a time');
  const peopleForest = forest(view, people.data);
  if (!peopleForest) return tooDeep(`the people of ${org.id}`, '/contacts/{id}/reports, which pages');
  return ok({
    data: people.data,
    next: null,
    organization: view.withIncludes(org, []),
    parents,
    subsidiaries: subsidiaryTree,
    people: peopleForest,
    truncated: people.next !== null,
  });
}

function tooDeep(what: string, instead: string): Result<never> {
  const message = `${what} nest deeper than ${CHART_MAX_DEPTH} levels, the chart's limit; use ${instead}`;
  return failure('invalid', message, { extra: { limit: CHART_MAX_DEPTH } });
}

function subsidiaries(view: ReadView, org: Entity): Tree[] | undefined {
  const t = view.table('Organization');
  const rows = view.sql
    .exec(
      `WITH RECURSIVE tree(id, depth) AS (
       SELECT ?, 0
       UNION SELECT o.id, tree.depth + 1 FROM tree JOIN ${t} o ON o.${PARENT} = tree.id
         WHERE o.live = 1 AND tree.depth < ${MAX_DEPTH}
       UNION SELECT o.id, tree.depth FROM tree JOIN ${t} o ON o.merged_into = tree.id
       LIMIT ${MAX_NODES})
     SELECT DISTINCT o.entity FROM tree JOIN ${t} o ON o.id = tree.id
     WHERE o.live = 1 AND o.id <> ? LIMIT ${CHART_LIMIT}`,
      org.id,
      org.id,
    )
    .toArray();
  const nodes = rows.map((r) => view.withIncludes(JSON.parse(String(r['entity'])) as Entity, []));
  return nestUnder(view, 'Organization', 'parent', org.id, nodes);
}
