// Random command sequences over a small pool of contacts and emails, so collisions (duplicate
// emails, merges of merged contacts, cycles, illegal stage moves) happen often. Abstract steps are
// turned into domain commands or batch operations by the tests.
import fc from 'fast-check';

export const POOL = 6;
export const EMAILS = ['ana@startup.io', 'ben@gmail.com', 'cy@corp.example', 'di@startup.io'];
const STAGES = ['Lead', 'Qualified', 'Customer', 'Churned', 'Partner'] as const;

export type Step =
  | {
      op: 'create';
      i: number;
      email?: number | undefined;
      stage?: string | undefined;
      manager?: number | undefined;
      title?: string | undefined;
    }
  | {
      op: 'update';
      i: number;
      data: { stage?: string; email?: number; manager?: number | null; status?: string; title?: string };
    }
  | { op: 'qualify'; i: number }
  | { op: 'assign'; i: number; owner: string }
  | { op: 'capture'; email: number; upper: boolean; source: string }
  | { op: 'merge'; i: number; sources: number[] }
  | { op: 'enrich'; i: number; title?: string | undefined; email?: number | undefined; overwrite: boolean }
  | { op: 'delete'; i: number }
  | { op: 'activity'; i: number; type: string };

const index = fc.nat({ max: POOL - 1 });
const email = fc.nat({ max: EMAILS.length - 1 });

export const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record(
    {
      op: fc.constant('create' as const),
      i: index,
      email: fc.option(email, { nil: undefined }),
      stage: fc.option(fc.constantFrom(...STAGES), { nil: undefined }),
      manager: fc.option(index, { nil: undefined }),
      title: fc.option(fc.constantFrom('CEO', 'VP Sales', 'Intern'), { nil: undefined }),
    },
    { requiredKeys: ['op', 'i'] },
  ),
  fc.record({
    op: fc.constant('update' as const),
    i: index,
    data: fc.oneof(
      fc.record({ stage: fc.constantFrom(...STAGES) }),
      fc.record({ email }),
      fc.record({ manager: fc.option(index, { nil: null }) }),
      fc.record({ status: fc.constantFrom('Active', 'Bounced', 'Unsubscribed') }),
      fc.record({ title: fc.constantFrom('CTO', 'Head of Growth') }),
    ),
  }),
  fc.record({ op: fc.constant('qualify' as const), i: index }),
  fc.record({ op: fc.constant('assign' as const), i: index, owner: fc.constantFrom('ana', 'ben') }),
  fc.record({
    op: fc.constant('capture' as const),
    email,
    upper: fc.boolean(),
    source: fc.constantFrom('web', 'demo-request'),
  }),
  fc.record({
    op: fc.constant('merge' as const),
    i: index,
    sources: fc.uniqueArray(index, { minLength: 1, maxLength: 2 }),
  }),
  fc.record(
    {
      op: fc.constant('enrich' as const),
      i: index,
      title: fc.option(fc.constant('Founder'), { nil: undefined }),
      email: fc.option(email, { nil: undefined }),
      overwrite: fc.boolean(),
    },
    { requiredKeys: ['op', 'i', 'overwrite'] },
  ),
  fc.record({ op: fc.constant('delete' as const), i: index }),
  fc.record({ op: fc.constant('activity' as const), i: index, type: fc.constantFrom('Meeting', 'Call', 'Email') }),
);

export const steps = fc.array(step, { minLength: 1, maxLength: 40 });

/** Every pool contact created first (random email and stage), then the random steps. */
export const scenario: fc.Arbitrary<Step[]> = fc
  .tuple(
    fc.array(
      fc.record({
        email: fc.option(email, { nil: undefined }),
        stage: fc.option(fc.constantFrom(...STAGES), { nil: undefined }),
        title: fc.option(fc.constantFrom('CEO', 'VP Sales'), { nil: undefined }),
      }),
      { minLength: POOL, maxLength: POOL },
    ),
    steps,
  )
  .map(([seeds, rest]) => [...seeds.map((seed, i): Step => ({ op: 'create', i, ...seed })), ...rest]);
