// The one piece of node:crypto the core uses (workerd has it under nodejs_compat; Node has it natively).
// Declared here rather than pulling @types/node, whose globals clash with the Workers types.
declare module 'node:crypto' {
  interface Hash {
    update(data: string | Uint8Array): Hash;
    digest(encoding: 'hex'): string;
  }
  export function createHash(algorithm: 'sha256'): Hash;
}
