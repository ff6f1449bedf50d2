// What decide may read of the current state. The Durable Object answers from SQLite, tests and the
// CLI from memory; both are synchronous, so a decision never awaits.
import type { Entity } from './entity';

export interface StateView {
  get(id: string): Entity | undefined;
  /** The entity holding a unique field's normalised value, if any. */
  findUnique(noun: string, field: string, normalized: string): string | undefined;
}
