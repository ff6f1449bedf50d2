// The folders are layers (README "Layout"): each may import only the layers below it, and no file or folder
// imports itself back through others. Read from the import statements of every .ts file; `import type` is
// erased at build time, so a type may point up (Env names the Durable Object classes it binds), a value not.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const LAYERS = ['domain', 'shared', 'projections', 'durable-objects', 'workers', 'cli'] as const;
type Layer = (typeof LAYERS)[number];

/** What each layer may import values from (itself always); `types` also admits type-only imports. */
const MAY_IMPORT: Record<Layer, { values: readonly Layer[]; types: readonly Layer[] }> = {
  domain: { values: [], types: [] },
  shared: { values: ['domain'], types: ['domain', 'durable-objects'] },
  projections: { values: ['domain', 'shared'], types: ['domain', 'shared', 'durable-objects'] },
  'durable-objects': { values: ['domain', 'shared', 'projections'], types: ['domain', 'shared', 'projections'] },
  workers: {
    values: ['domain', 'shared', 'projections', 'durable-objects'],
    types: ['domain', 'shared', 'projections', 'durable-objects'],
  },
  cli: { values: ['domain'], types: ['domain', 'shared'] },
};

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

function sourcesOf(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesOf(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

const STATEMENT =
  /^\s*(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

/** `import { type A, type B }` is as erased as `import type { A, B }`. */
function onlyTypes(clause: string): boolean {
  const braced = /^\{([^}]*)\}$/.exec(clause.trim());
  const names = (braced?.[1] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((name) => name.startsWith('type '));
}

function importsOf(file: string, text: string): Edge[] {
  return [...text.matchAll(STATEMENT)].flatMap((match) => {
    const spec = match[3] ?? match[4]!;
    if (!spec.startsWith('.')) return [];
    const target = resolve(dirname(file), spec);
    const to = relative(ROOT, /\.(ts|json)$/.test(target) ? target : `${target}.ts`);
    return [{ from: relative(ROOT, file), to, typeOnly: match[1] !== undefined || onlyTypes(match[2] ?? '') }];
  });
}

function layerOf(path: string): Layer | undefined {
  return LAYERS.find((layer) => path.startsWith(`${layer}/`));
}

/** Every cycle the depth-first walk closes, each as the path that closes it. */
function cyclesOf(edges: readonly { from: string; to: string }[]): string[] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    path.push(node);
    for (const to of next.get(node) ?? []) {
      if (state.get(to) === 'open') cycles.push([...path.slice(path.indexOf(to)), to].join(' → '));
      else if (!state.has(to)) visit(to);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of next.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

const EDGES = LAYERS.flatMap((layer) => sourcesOf(join(ROOT, layer))).flatMap((file) =>
  importsOf(file, readFileSync(file, 'utf8')),
);
const VALUES = EDGES.filter((edge) => !edge.typeOnly);

describe('the layers', () => {
  it('reads imports of every layer (the reader itself works)', () => {
    for (const layer of LAYERS)
      expect(
        EDGES.some((edge) => edge.from.startsWith(`${layer}/`)),
        layer,
      ).toBe(true);
    expect(importsOf(join(ROOT, 'workers/x.ts'), "import { type A, b } from '../domain/y';")).toEqual([
      { from: 'workers/x.ts', to: 'domain/y.ts', typeOnly: false },
    ]);
    expect(importsOf(join(ROOT, 'shared/x.ts'), "import type { A } from '../workers/y';")[0]!.typeOnly).toBe(true);
    expect(
      cyclesOf([
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
      ]),
    ).toEqual(['a → b → a']);
  });

  it('imports only from the layers below', () => {
    const forbidden = EDGES.filter((edge) => {
      const from = layerOf(edge.from);
      const to = layerOf(edge.to);
      if (from === undefined || to === undefined || from === to) return false;
      return !(edge.typeOnly ? MAY_IMPORT[from].types : MAY_IMPORT[from].values).includes(to);
    });
    expect(forbidden.map((edge) => `${edge.from} → ${edge.to}${edge.typeOnly ? ' (type)' : ''}`)).toEqual([]);
  });

  it('has no cycle of value imports between files', () => {
    expect(cyclesOf(VALUES)).toEqual([]);
  });

  it('has no cycle of value imports between folders', () => {
    const folders = VALUES.map((edge) => ({ from: dirname(edge.from), to: dirname(edge.to) })).filter(
      (edge) => edge.from !== edge.to && layerOf(edge.to) !== undefined,
    );
    expect(cyclesOf(folders)).toEqual([]);
  });
});
