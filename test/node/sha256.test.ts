// The chain's SHA-256 (domain/sha256.ts, plain JavaScript) gives node:crypto's digest for any text: stored
// chains and exports hashed before it still verify. Texts of every length around the block boundaries,
// and characters of one to four UTF-8 bytes, lone surrogates included (both encode them as U+FFFD).
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../domain/sha256';

const reference = (text: string) => createHash('sha256').update(text).digest('hex');
const ALPHABET = ['a', 'Z', '0', '"', '\\', '\u0000', 'é', '€', '😀', '\uD800', '\uDC00'];

describe('sha256Hex', () => {
  it('gives the known digests of the empty text and of "abc"', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('matches node:crypto for every length from 0 to 300 bytes', () => {
    for (let length = 0; length <= 300; length++)
      expect(sha256Hex('x'.repeat(length))).toBe(reference('x'.repeat(length)));
  });

  it('matches node:crypto on random texts of mixed UTF-8 widths, short and long', () => {
    const text = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 3_000 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(text, (t) => sha256Hex(t) === reference(t)),
      { numRuns: 500 },
    );
  });

  it('is unchanged by a long text hashed before a short one (its buffer is reused)', () => {
    const long = '€'.repeat(10_000);
    expect(sha256Hex(long)).toBe(reference(long));
    expect(sha256Hex('abc')).toBe(reference('abc'));
  });
});
