// The one piece of node:crypto the tests compare domain/sha256.ts with (workerd has it under nodejs_compat;
// Node natively); the core itself no longer uses it.
// Declared here rather than pulling @types/node, whose globals clash with the Workers types.
declare module 'node:crypto' {
  interface Hash {
    update(data: string | Uint8Array): Hash;
    digest(encoding: 'hex'): string;
  }
  export function createHash(algorithm: 'sha256'): Hash;
}
