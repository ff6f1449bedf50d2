// Tenant settings: the qualify threshold and the lead-scoring weights. They live in the log like
// everything else (`Settings.Updated` events on the entity `settings`), folded by the generic evolve.
import { typedEvent } from './event-types';
import type { DomainEvent } from './events';
import type { Entity } from './entity';
import { canonicalJson } from './canonical';
import { isPlainObject } from './validate';
import { refused, type Checked, type FieldError } from './result';

export const SETTINGS_ID = 'settings';
export const SETTINGS_TYPE = 'Settings';

/** Points of the lead-score model; each one is a line of the README's scoring table. */
export const DEFAULT_WEIGHTS = {
  businessEmail: 10,
  freemailEmail: 2,
  titleExecutive: 20,
  titleDirector: 15,
  titleManager: 8,
  titleOther: 3,
  roleDecisionMaker: 15,
  roleChampion: 10,
  roleInfluencer: 8,
  roleUser: 4,
  roleBlocker: 0,
  phone: 5,
  organization: 5,
  capture: 5,
  captureHighIntent: 10,
  capturesMax: 20,
  activityMeeting: 8,
  activityCall: 5,
  activityEmail: 3,
  activityTask: 1,
  activityNote: 1,
  activitiesMax: 25,
  engagedWithin30Days: 10,
  engagedWithin90Days: 5,
  bouncedPenalty: 20,
  unsubscribedPenalty: 15,
} as const;

export type WeightName = keyof typeof DEFAULT_WEIGHTS;
const WEIGHT_NAMES = Object.keys(DEFAULT_WEIGHTS).join(', ');
export type Weights = Readonly<Record<WeightName, number>>;

export interface Settings {
  /** The default qualifying hook refuses a contact whose leadScore is below this. */
  readonly qualifyThreshold: number;
  readonly weights: Weights;
}

export const DEFAULT_SETTINGS: Settings = { qualifyThreshold: 40, weights: DEFAULT_WEIGHTS };

/** The settings an entity folds to; absent members take their defaults. */
export function settingsOf(entity: Entity | undefined): Settings {
  const fields = entity?.fields ?? {};
  const threshold = fields['qualifyThreshold'];
  const weights = isPlainObject(fields['weights']) ? fields['weights'] : {};
  return {
    qualifyThreshold: typeof threshold === 'number' ? threshold : DEFAULT_SETTINGS.qualifyThreshold,
    weights: { ...DEFAULT_WEIGHTS, ...(weights as Partial<Weights>) },
  };
}

export type SettingsPatch = { readonly qualifyThreshold?: number; readonly weights?: Partial<Weights> };

/** Edge check of `PATCH /settings`: known members, numbers in range. */
export function validateSettingsPatch(body: unknown): Checked<SettingsPatch> {
  if (!isPlainObject(body)) return refused('bad_request', [{ path: '/', message: 'must be a JSON object' }]);
  const unknown = Object.keys(body)
    .filter((k) => k !== 'qualifyThreshold' && k !== 'weights')
    .map((k) => ({ path: `/${k}`, message: 'is not a setting' }));
  const weights = body['weights'];
  if (weights !== undefined && !isPlainObject(weights))
    return refused('invalid', [{ path: '/weights', message: 'must be an object of weight name → points' }]);
  // Own keys only: `toString`, `constructor` or `__proto__` are no weights, though `in` would say so.
  for (const key of Object.keys(weights ?? {}))
    if (!Object.hasOwn(DEFAULT_WEIGHTS, key))
      unknown.push({ path: `/weights/${key}`, message: `is not a weight; known: ${WEIGHT_NAMES}` });
  if (unknown.length) return refused('bad_request', unknown);
  const invalid: FieldError[] = [];
  const threshold = body['qualifyThreshold'];
  if (
    threshold !== undefined &&
    !(typeof threshold === 'number' && Number.isFinite(threshold) && threshold >= 0 && threshold <= 100)
  )
    invalid.push({ path: '/qualifyThreshold', message: 'must be a number from 0 to 100' });
  for (const [key, value] of Object.entries(weights ?? {}))
    if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 100))
      invalid.push({ path: `/weights/${key}`, message: 'must be a number from 0 to 100' });
  if (invalid.length) return refused('invalid', invalid);
  return {
    ok: true,
    value: {
      ...(threshold === undefined ? {} : { qualifyThreshold: threshold as number }),
      ...(weights === undefined ? {} : { weights: weights as Partial<Weights> }),
    },
  };
}

/** `Settings.Updated` with the changed members; none when nothing changes. */
export function decideSettings(patch: SettingsPatch, current: Entity | undefined): DomainEvent[] {
  const fields = current?.fields ?? {};
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  if (patch.qualifyThreshold !== undefined && patch.qualifyThreshold !== (fields['qualifyThreshold'] ?? null))
    changes['qualifyThreshold'] = { from: fields['qualifyThreshold'] ?? null, to: patch.qualifyThreshold };
  if (patch.weights !== undefined) {
    const before = (fields['weights'] ?? {}) as Record<string, number>;
    const after = { ...before, ...patch.weights };
    if (canonicalJson(after) !== canonicalJson(before))
      changes['weights'] = { from: fields['weights'] ?? null, to: after };
  }
  if (Object.keys(changes).length === 0) return [];
  const type = `${SETTINGS_TYPE}.Updated` as const;
  return [typedEvent({ type, entityType: SETTINGS_TYPE, entityId: SETTINGS_ID, data: { changes } })];
}
