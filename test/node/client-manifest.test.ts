// The SDK's runtime list of nouns (client/nouns.js, plain JS so Node runs it without a build step) is
// what the declarations say: regenerate it with `UPDATE_CLIENT_MANIFEST=1 npx vitest run --project node`.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NOUNS } from '../../domain/nouns';
import { NOUN_MANIFEST } from '../../client/nouns.js';

const derived = NOUNS.map((n) => ({ name: n.name, collection: n.collection, verbs: { ...n.verbs } }));

describe('client/nouns.js', () => {
  it('lists the nouns, collections and verbs of the declarations', () => {
    if (process.env['UPDATE_CLIENT_MANIFEST'])
      writeFileSync(
        new URL('../../client/nouns.js', import.meta.url),
        '// Generated from domain/nouns.ts by test/node/client-manifest.test.ts; do not edit.\n' +
          `export const NOUN_MANIFEST = ${JSON.stringify(derived, null, 2)};\n`,
      );
    expect(NOUN_MANIFEST).toEqual(derived);
  });
});
