// The Contact stage machine (DESIGN §3) as data: which stage may follow which, and through which verb.
// Create may set any stage (it records an initial fact); every later move is checked here.
import { fail } from './errors';

export type Stage = 'Lead' | 'Qualified' | 'Customer' | 'Churned' | 'Partner';
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

/**
 * Checks one move; throws invalid_transition (409) naming the current stage and the allowed targets.
 * A contact created without a stage may be given any stage but Qualified, which only qualify grants.
 */
export function checkStageMove(from: unknown, to: unknown, via: StageVerb): void {
  if (via === 'qualify' && from !== 'Lead')
    refuse(typeof from === 'string' ? from : '(none)', to, typeof from === 'string' ? allowedTargets(from as Stage) : [], 'qualify takes a Lead only');
  if (from === to) return;
  if (from === undefined || from === null) {
    if (to === 'Qualified' && via !== 'qualify') refuse('(none)', to, [], 'use POST …/qualify on a Lead');
    return;
  }
  const current = from as Stage;
  const allowed = allowedTargets(current);
  const move = allowed.find((t) => t.stage === to);
  if (move && move.via === via) return;
  const hint = move ? `use ${move.via === 'qualify' ? 'POST …/qualify' : 'PATCH'} for ${current} → ${String(to)}` : undefined;
  refuse(current, to, allowed, hint);
}

function refuse(current: string, to: unknown, allowed: { stage: Stage; via: StageVerb }[], hint?: string): never {
  const targets = allowed.length ? allowed.map((t) => `${t.stage} (${t.via})`).join(', ') : 'none';
  const message = `a ${current} contact cannot move to ${String(to)}; allowed from ${current}: ${targets}${hint ? `; ${hint}` : ''}`;
  fail('invalid_transition', message, {
    extra: { stage: current, allowed: allowed.map((t) => t.stage), allowedVia: Object.fromEntries(allowed.map((t) => [t.stage, t.via])) },
    errors: [{ path: '/stage', message }],
  });
}
