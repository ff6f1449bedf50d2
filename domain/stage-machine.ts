// The Contact stage machine (DESIGN §3) as data: which stage may follow which, and through which verb.
// Create may set any stage (it records an initial fact) and defaults to Lead, so every contact is in
// the machine; every later move is checked here.
import { fail } from './errors';
import type { Fields } from './infer';
import type { Contact } from './nouns';

/** The stages Contact declares (`stage: 'Lead | Qualified | …'`); the transition table must name each. */
export type Stage = NonNullable<Fields<typeof Contact>['stage']>;
export type StageVerb = 'qualify' | 'update';

/** from → to → the only verb that may make the move. */
export const STAGE_TRANSITIONS: Readonly<Record<Stage, Readonly<Partial<Record<Stage, StageVerb>>>>> = {
  Lead: { Qualified: 'qualify' },
  Qualified: { Customer: 'update', Partner: 'update' },
  Customer: { Churned: 'update' },
  Partner: { Churned: 'update' },
  Churned: { Customer: 'update' },
};

/** The stages a contact in `from` may move to, with the verb for each. */
export function allowedTargets(from: Stage): { stage: Stage; via: StageVerb }[] {
  return Object.entries(STAGE_TRANSITIONS[from]).map(([stage, via]) => ({ stage: stage as Stage, via: via! }));
}

/** The stage of a contact that has none recorded (created before stages defaulted): a Lead. */
export const INITIAL_STAGE: Stage = 'Lead';

/** A Contact's fields with its stage filled in when none is recorded; other nouns' fields unchanged. */
export function withDefaults(type: string, fields: Record<string, unknown>): Record<string, unknown> {
  if (type !== 'Contact' || (fields['stage'] !== undefined && fields['stage'] !== null)) return fields;
  return { ...fields, stage: INITIAL_STAGE };
}

/** Checks one move; throws invalid_transition (409) naming the current stage and the allowed targets. */
export function checkStageMove(from: unknown, to: unknown, via: StageVerb): void {
  const current = (from ?? INITIAL_STAGE) as Stage;
  if (via === 'qualify' && current !== 'Lead')
    refuse(String(current), to, allowedTargets(current), 'qualify takes a Lead only');
  if (current === to) return;
  const allowed = allowedTargets(current);
  const move = allowed.find((t) => t.stage === to);
  if (move && move.via === via) return;
  const hint = move
    ? `use ${move.via === 'qualify' ? 'POST …/qualify' : 'PATCH'} for ${current} → ${String(to)}`
    : undefined;
  refuse(current, to, allowed, hint);
}

function refuse(current: string, to: unknown, allowed: { stage: Stage; via: StageVerb }[], hint?: string): never {
  const targets = allowed.length ? allowed.map((t) => `${t.stage} (${t.via})`).join(', ') : 'none';
  const message =
    `a ${current} contact cannot move to ${String(to)}; ` +
    `allowed from ${current}: ${targets}${hint ? `; ${hint}` : ''}`;
  fail('invalid_transition', message, {
    extra: {
      stage: current,
      allowed: allowed.map((t) => t.stage),
      allowedVia: Object.fromEntries(allowed.map((t) => [t.stage, t.via])),
    },
    errors: [{ path: '/stage', message }],
  });
}
