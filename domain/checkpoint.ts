// A signed checkpoint of a tenant's chain head, and the exact text its signature covers. The server signs
// it (workers/checkpoint.ts) and the offline CLI verifies it (cli/offline.ts): both read this one definition.
import { canonicalJson } from './canonical';

export interface Checkpoint {
  readonly tenant: string;
  readonly seq: number;
  readonly hash: string;
  readonly time: string;
  readonly keyId: string;
  readonly signature: string;
}

/** The exact bytes signed: the canonical JSON of the checkpoint without its signature. */
export function signedText(c: Omit<Checkpoint, 'signature'>): string {
  return canonicalJson({ hash: c.hash, keyId: c.keyId, seq: c.seq, tenant: c.tenant, time: c.time });
}
