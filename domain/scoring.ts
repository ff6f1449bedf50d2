// Lead scoring: a points model a person can read (README "Lead score"). Pure: the contact's fields,
// counts of its captures and activities, the scoring time and the tenant's weights in; points out.
import type { Fields } from './infer';
import { enumValues } from './noun';
import { Activity, Contact } from './nouns';
import { DEFAULT_WEIGHTS, type WeightName, type Weights } from './settings';

export interface ScoreInputs {
  readonly fields: Readonly<Record<string, unknown>>;
  /** Leads pointing at the contact, counted by source (a capture creates one Lead). */
  readonly leadSources: Readonly<Record<string, number>>;
  /** Activities pointing at the contact, counted by type (Cancelled ones excluded). */
  readonly activityTypes: Readonly<Record<string, number>>;
  /** ISO time the score is computed at: recency of lastEngagement is judged from here. */
  readonly time: string;
}

export interface ScoreLine {
  readonly group: 'fit' | 'engagement' | 'penalty';
  readonly rule: string;
  readonly points: number;
}

export interface Score {
  readonly total: number;
  readonly lines: readonly ScoreLine[];
}

export const FREEMAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'ymail.com',
  'hotmail.com',
  'outlook.com',
  'live.com',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.com',
  'mail.ru',
  'yandex.ru',
  'yandex.com',
  'qq.com',
  '163.com',
  'zoho.com',
  'fastmail.com',
  'hey.com',
]);

const EXECUTIVE = new RegExp(
  '\\b(ceo|cto|cfo|coo|cmo|cio|ciso|cro|cpo|chief|founder|co-?founder|owner|president|partner|' +
    'general partner|managing director)\\b',
  'i',
);
const DIRECTOR = /\b(vp|svp|evp|vice president|head|director)\b/i;
const MANAGER = /\b(manager|lead|principal|senior)\b/i;
/** Sources that signal buying intent: a capture from them scores captureHighIntent. */
export const HIGH_INTENT_SOURCE = /demo|trial|pricing|contact[-_ ]?sales|referral/i;

// The weight of each declared role and activity type is named after it (`roleChampion`, `activityCall`):
// a member added to the declaration without a weight in DEFAULT_WEIGHTS fails the type check here.
type Role = NonNullable<Fields<typeof Contact>['role']>;
type ActivityType = NonNullable<Fields<typeof Activity>['type']>;
DEFAULT_WEIGHTS satisfies Record<`role${Role}` | `activity${ActivityType}`, number>;

function weightsByValue(values: readonly string[], prefix: string): ReadonlyMap<string, WeightName> {
  const isWeight = (name: string): name is WeightName => name in DEFAULT_WEIGHTS;
  return new Map(
    values.flatMap((value) => {
      const name = `${prefix}${value}`;
      return isWeight(name) ? [[value, name] as const] : [];
    }),
  );
}
const ROLE_WEIGHT = weightsByValue(enumValues(Contact, 'role'), 'role');
const ACTIVITY_WEIGHT = weightsByValue(enumValues(Activity, 'type'), 'activity');

const DAY_MS = 86_400_000;

export function scoreContact(inputs: ScoreInputs, weights: Weights): Score {
  const lines = [
    ...fitLines(inputs.fields, weights),
    ...engagementLines(inputs, weights),
    ...penaltyLines(inputs.fields, weights),
  ];
  const raw = lines.reduce((sum, line) => sum + line.points, 0);
  return { total: Math.max(0, Math.min(100, Math.round(raw))), lines: lines.filter((l) => l.points !== 0) };
}

function fitLines(fields: Readonly<Record<string, unknown>>, w: Weights): ScoreLine[] {
  const lines: ScoreLine[] = [];
  const email = typeof fields['email'] === 'string' ? fields['email'].toLowerCase() : undefined;
  if (email) {
    const domain = email.slice(email.lastIndexOf('@') + 1);
    lines.push(
      FREEMAIL_DOMAINS.has(domain)
        ? { group: 'fit', rule: `freemail email domain ${domain}`, points: w.freemailEmail }
        : { group: 'fit', rule: `business email domain ${domain}`, points: w.businessEmail },
    );
  }
  const title = typeof fields['title'] === 'string' ? fields['title'] : undefined;
  if (title) {
    const seniority = seniorityOf(title);
    lines.push({ group: 'fit', rule: `title "${title}" (${seniority})`, points: w[SENIORITY_WEIGHT[seniority]] });
  }
  const role = fields['role'];
  const roleWeight = typeof role === 'string' ? ROLE_WEIGHT.get(role) : undefined;
  if (roleWeight) lines.push({ group: 'fit', rule: `role ${String(role)}`, points: w[roleWeight] });
  if (fields['phone'] || fields['mobile']) lines.push({ group: 'fit', rule: 'has a phone number', points: w.phone });
  if (fields['organization']) lines.push({ group: 'fit', rule: 'belongs to an organization', points: w.organization });
  return lines;
}

type Seniority = 'executive' | 'director' | 'manager' | 'other';
const SENIORITY_WEIGHT: Readonly<Record<Seniority, keyof Weights>> = {
  executive: 'titleExecutive',
  director: 'titleDirector',
  manager: 'titleManager',
  other: 'titleOther',
};

export function seniorityOf(title: string): Seniority {
  if (EXECUTIVE.test(title)) return 'executive';
  if (DIRECTOR.test(title)) return 'director';
  if (MANAGER.test(title)) return 'manager';
  return 'other';
}

function engagementLines(inputs: ScoreInputs, w: Weights): ScoreLine[] {
  const lines: ScoreLine[] = [];
  let captures = 0;
  for (const [source, count] of Object.entries(inputs.leadSources).sort())
    captures += count * (HIGH_INTENT_SOURCE.test(source) ? w.captureHighIntent : w.capture);
  const captureCount = Object.values(inputs.leadSources).reduce((a, b) => a + b, 0);
  if (captureCount)
    lines.push({
      group: 'engagement',
      rule:
        `${captureCount} capture(s) from ${Object.keys(inputs.leadSources).sort().join(', ')} ` +
        `(max ${w.capturesMax})`,
      points: Math.min(captures, w.capturesMax),
    });
  let activities = 0;
  for (const [type, count] of Object.entries(inputs.activityTypes)) {
    const weight = ACTIVITY_WEIGHT.get(type);
    activities += count * (weight ? w[weight] : 0);
  }
  const described = Object.entries(inputs.activityTypes)
    .sort()
    .map(([type, count]) => `${count} ${type}`)
    .join(', ');
  if (described)
    lines.push({
      group: 'engagement',
      rule: `activities: ${described} (max ${w.activitiesMax})`,
      points: Math.min(activities, w.activitiesMax),
    });
  const last =
    typeof inputs.fields['lastEngagement'] === 'string' ? Date.parse(inputs.fields['lastEngagement']) : Number.NaN;
  const age = Date.parse(inputs.time) - last;
  if (!Number.isNaN(age) && age <= 30 * DAY_MS)
    lines.push({ group: 'engagement', rule: 'engaged within 30 days', points: w.engagedWithin30Days });
  else if (!Number.isNaN(age) && age <= 90 * DAY_MS)
    lines.push({ group: 'engagement', rule: 'engaged within 90 days', points: w.engagedWithin90Days });
  return lines;
}

function penaltyLines(fields: Readonly<Record<string, unknown>>, w: Weights): ScoreLine[] {
  if (fields['status'] === 'Bounced') return [{ group: 'penalty', rule: 'email bounced', points: -w.bouncedPenalty }];
  if (fields['status'] === 'Unsubscribed')
    return [{ group: 'penalty', rule: 'unsubscribed', points: -w.unsubscribedPenalty }];
  return [];
}
