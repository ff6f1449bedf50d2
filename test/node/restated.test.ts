// Guards against the schema and the event shape being restated by hand again (issue 8): a grep over the
// non-test source. Each rule names the one place the thing is declared; a hit elsewhere fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const DIRS = ['domain', 'shared', 'durable-objects', 'projections', 'workers', 'cli', 'client'];

function sources(): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
        out.push({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') });
    }
  };
  for (const dir of DIRS) walk(join(ROOT, dir));
  return out;
}

/** `file:line: text` for every line matching the pattern outside the allowed files. */
function hits(pattern: RegExp, allowed: readonly string[] = []): string[] {
  return sources()
    .filter((s) => !allowed.includes(s.path))
    .flatMap((s) =>
      s.text.split('\n').flatMap((line, i) => (pattern.test(line) ? [`${s.path}:${i + 1}: ${line.trim()}`] : [])),
    );
}

describe('event data', () => {
  it('is cast only where stored text becomes events', () => {
    const rowParsers = ['durable-objects/event-store.ts', 'domain/export-line.ts'];
    expect(hits(/\bdata(\[['"]\w+['"]\]|\.\w+)?\)? as\b/, rowParsers)).toEqual([]);
    expect(hits(/JSON\.parse\(String\(row\['data'\]\)\)/, rowParsers)).toEqual([]);
  });
});

describe('the schema', () => {
  it('names read-model columns only through the derived table description', () => {
    expect(hits(/"f_/, ['projections/tables.ts'])).toEqual([]);
  });

  it('declares stages, roles and activity types only in the nouns', () => {
    expect(hits(/'Lead' \| 'Qualified'|'DecisionMaker' \||Meeting: 'activityMeeting'/)).toEqual([]);
  });

  it('writes the id pattern once, in domain/noun.ts', () => {
    expect(hits(/\{26\}/, ['domain/noun.ts'])).toEqual([]);
  });

  it('lists what may be included once, in domain/field-lists.ts', () => {
    expect(hits(/kind === 'ref' \|\| \w+\.kind === 'inverse'/, ['domain/field-lists.ts'])).toEqual([]);
  });

  it('names the implicit verbs once, in domain/noun.ts', () => {
    expect(hits(/'create', 'update', 'delete'/)).toEqual([]);
  });

  it('declares enrichable and personal fields only as noun options', () => {
    expect(hits(/(ENRICHABLE_FIELDS|PERSONAL_FIELDS)[^=]*= [{[]/)).toEqual([]);
  });
});
