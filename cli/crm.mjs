#!/usr/bin/env node
// `crm`: the replay and audit CLI (docs/replay.md). The commands are TypeScript that share the domain's
// own code (chain verifier, fold); this launcher bundles them with esbuild into a cached file and runs it.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The bundle is keyed by the sources' sizes and times, so an edit rebuilds it and a rerun does not.
const stamp = createHash('sha256');
for (const dir of ['cli', 'client', 'domain']) {
  for (const name of readdirSync(join(root, dir), { recursive: true })) {
    const path = join(root, dir, String(name));
    const stat = statSync(path);
    if (stat.isFile()) stamp.update(`${path}:${stat.size}:${stat.mtimeMs}\n`);
  }
}
const outfile = join(tmpdir(), `crm-cli-${stamp.digest('hex').slice(0, 16)}.mjs`);
if (!existsSync(outfile)) {
  // Built beside, then renamed: two runs building at once never import a half-written bundle.
  const partial = `${outfile}.${process.pid}.tmp`;
  await build({
    entryPoints: [join(root, 'cli/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile: partial,
    logLevel: 'error',
  });
  renameSync(partial, outfile);
}
const { main } = await import(pathToFileURL(outfile).href);
process.exitCode = await main(process.argv.slice(2));
