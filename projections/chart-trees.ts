// The organization chart's trees: subsidiaries under an organization, people as a manager forest.
// Built breadth first with an explicit queue, never by recursion, and refused past CHART_MAX_DEPTH
// levels: JSON and the structured clone of an answer recurse, so a deep tree must not leave here.
import type { Representation } from '../domain/entity';
import type { ReadView } from './read-view';

/** The chart's trees nest at most this deep; deeper data is a 422 pointing to the paged reports. */
export const CHART_MAX_DEPTH = 100;

export type Tree = Representation & { readonly children: Tree[] };

// People whose manager is not among them are the roots; anyone caught in a loop becomes a root too.
export function forest(view: ReadView, people: Representation[]): Tree[] | undefined {
  const ids = new Set(people.map((p) => p.$id));
  const roots = people.filter((p) => {
    const manager = typeof p['manager'] === 'string' ? resolveId(view, 'Contact', p['manager']) : undefined;
    return manager === undefined || !ids.has(manager);
  });
  return nestMany(view, 'Contact', 'manager', roots, people);
}

type Nodes = Representation[];

export function nestUnder(
  view: ReadView,
  noun: string,
  field: string,
  rootId: string,
  nodes: Nodes,
): Tree[] | undefined {
  const byParent = groupByParent(view, noun, field, nodes);
  const placed = new Set<string>([rootId]);
  const top: Tree[] = [];
  return grow(top, byParent.get(rootId) ?? [], byParent, placed) ? top : undefined;
}

function nestMany(view: ReadView, noun: string, field: string, roots: Nodes, nodes: Nodes): Tree[] | undefined {
  const byParent = groupByParent(view, noun, field, nodes);
  const placed = new Set<string>();
  const trees: Tree[] = [];
  // Roots first; then whatever a loop kept from being reached, each as a root of its own.
  for (const root of [...roots, ...nodes]) if (!grow(trees, [root], byParent, placed)) return undefined;
  return trees;
}

// Breadth first with an explicit queue: appends to `into` the trees under `nodes` not placed yet.
// False when a tree would nest deeper than CHART_MAX_DEPTH.
function grow(into: Tree[], nodes: Nodes, byParent: Map<string, Nodes>, placed: Set<string>): boolean {
  const queue: [siblings: Tree[], nodes: Nodes, depth: number][] = [[into, nodes, 1]];
  for (let i = 0; i < queue.length; i++) {
    const [siblings, level, depth] = queue[i]!;
    for (const node of level) {
      if (placed.has(node.$id)) continue;
      if (depth > CHART_MAX_DEPTH) return false;
      placed.add(node.$id);
      const tree: Tree = { ...node, children: [] };
      siblings.push(tree);
      const children = byParent.get(node.$id);
      if (children) queue.push([tree.children, children, depth + 1]);
    }
  }
  return true;
}

function groupByParent(
  view: ReadView,
  noun: string,
  field: string,
  nodes: Representation[],
): Map<string, Representation[]> {
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
