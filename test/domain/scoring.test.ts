// The points model, rule by rule, with the default weights.
import { describe, expect, it } from 'vitest';
import { scoreContact, seniorityOf } from '../../domain/scoring';
import { DEFAULT_WEIGHTS } from '../../domain/settings';

const TIME = '2026-03-01T00:00:00.000Z';
const score = (
  fields: Record<string, unknown>,
  more: { leadSources?: Record<string, number>; activityTypes?: Record<string, number> } = {},
) =>
  scoreContact(
    { fields, leadSources: more.leadSources ?? {}, activityTypes: more.activityTypes ?? {}, time: TIME },
    DEFAULT_WEIGHTS,
  );

describe('the lead score', () => {
  it('scores fit: business vs freemail email, seniority, role, phone, organization', () => {
    expect(score({ email: 'a@startup.io' }).total).toBe(10);
    expect(score({ email: 'a@gmail.com' }).total).toBe(2);
    expect(score({ title: 'Chief Revenue Officer' }).total).toBe(20);
    expect(score({ title: 'Head of Data' }).total).toBe(15);
    expect(score({ title: 'Engineering Manager' }).total).toBe(8);
    expect(score({ title: 'Engineer' }).total).toBe(3);
    expect(score({ role: 'Champion' }).total).toBe(10);
    expect(score({ mobile: '+1' }).total).toBe(5);
    expect(score({ organization: 'org_1' }).total).toBe(5);
  });

  it('scores engagement with caps: captures by source, activities by type, recency', () => {
    expect(score({}, { leadSources: { web: 1, 'demo-request': 1 } }).total).toBe(15);
    expect(score({}, { leadSources: { 'demo-request': 5 } }).total).toBe(20);
    expect(score({}, { activityTypes: { Meeting: 2, Call: 1 } }).total).toBe(21);
    expect(score({}, { activityTypes: { Meeting: 10 } }).total).toBe(25);
    expect(score({ lastEngagement: '2026-02-20T00:00:00Z' }).total).toBe(10);
    expect(score({ lastEngagement: '2026-01-01T00:00:00Z' }).total).toBe(5);
    expect(score({ lastEngagement: '2025-06-01T00:00:00Z' }).total).toBe(0);
  });

  it('subtracts penalties and clamps to 0..100', () => {
    expect(score({ email: 'a@startup.io', title: 'CEO', status: 'Unsubscribed' }).total).toBe(15);
    expect(score({ status: 'Bounced' }).total).toBe(0);
    const everything = score(
      {
        email: 'a@startup.io',
        title: 'CEO',
        role: 'DecisionMaker',
        phone: '1',
        organization: 'org_1',
        lastEngagement: TIME,
      },
      { leadSources: { demo: 3 }, activityTypes: { Meeting: 5 } },
    );
    expect(everything.total).toBe(100);
    expect(everything.lines.reduce((s, l) => s + l.points, 0)).toBe(110);
  });

  it('reads seniority off the title', () => {
    expect(['Co-founder & CEO', 'VP Marketing', 'Senior Engineer', 'Designer'].map(seniorityOf)).toEqual([
      'executive',
      'director',
      'manager',
      'other',
    ]);
  });
});
