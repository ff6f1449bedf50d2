// What the lifecycle verbs, scoring and hooks read beyond StateView. SQLite answers in the Durable
// Object, memory in tests and the CLI; both synchronous.
import type { StateView } from './state-view';

export interface LifecycleView extends StateView {
  /** Ids of live entities of sourceType whose `field` references targetId. */
  referencing(targetId: string, field: string, sourceType: string, limit: number): string[];
  /** A contact merged away that had this (normalised) email: captures find its target through it. */
  findMergedByEmail(normalized: string): string | undefined;
  /**
   * For each group: live sourceType entities referencing targetId through `field`, counted by the value
   * of `groupBy` (skipping those whose `unless.field` is `unless.value`). All groups in one read.
   */
  countReferencing(targetId: string, field: string, groups: readonly CountGroup[]): Record<string, number>[];
}

/** What countReferencing counts: one source type, grouped by one of its fields. */
export interface CountGroup {
  readonly sourceType: string;
  readonly groupBy: string;
  readonly unless?: { readonly field: string; readonly value: string };
}

/** How many references a merge re-points per source, at most; more is refused rather than truncated. */
export const MERGE_REFERENCE_LIMIT = 10_000;
