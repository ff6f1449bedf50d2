// The nouns of the CRM. Contact is the spec page's declaration word for word, plus `owner` (set by
// assign, DESIGN §2); the others are the nouns Contact points at.
import { checkNounGraph, Noun, type NounSchema } from './noun';

export const Contact = Noun(
  'Contact',
  {
    name: 'string!',
    firstName: 'string',
    lastName: 'string',
    email: 'string##',
    phone: 'string',
    mobile: 'string',
    avatar: 'string',
    title: 'string',
    department: 'string',
    organization: '-> Organization.contacts',
    role: 'DecisionMaker | Influencer | Champion | Blocker | User',
    stage: 'Lead | Qualified | Customer | Churned | Partner',
    status: 'Active | Inactive | Bounced | Unsubscribed',
    source: 'string',
    leadScore: 'number',
    preferredChannel: 'Email | Phone | SMS | Chat',
    timezone: 'string',
    language: 'string',
    leads: '<- Lead.contact[]',
    activities: '<- Activity.contact[]',
    manager: '-> Contact.reports',
    reports: '<- Contact.manager[]',
    linkedinUrl: 'string',
    twitterHandle: 'string',
    marketingConsent: 'string',
    lastEngagement: 'datetime',
    owner: 'string#',
    qualify: 'Qualified',
    capture: 'Captured',
    assign: 'Assigned',
    merge: 'Merged',
    enrich: 'Enriched',
  },
  {
    computed: ['leadScore'],
    formats: { email: 'email', avatar: 'url', linkedinUrl: 'url', timezone: 'timezone', language: 'language' },
    maxLength: { name: 200, email: 254, avatar: 2048, linkedinUrl: 2048 },
    enrichable: [
      'name',
      'firstName',
      'lastName',
      'email',
      'phone',
      'mobile',
      'avatar',
      'title',
      'department',
      'organization',
      'role',
      'preferredChannel',
      'timezone',
      'language',
      'linkedinUrl',
      'twitterHandle',
    ],
    personal: ['name', 'firstName', 'lastName', 'email', 'phone', 'mobile', 'avatar', 'linkedinUrl', 'twitterHandle'],
  },
);

export const Organization = Noun(
  'Organization',
  {
    name: 'string!',
    domain: 'string##',
    industry: 'string',
    parent: '-> Organization.subsidiaries',
    subsidiaries: '<- Organization.parent[]',
    contacts: '<- Contact.organization[]',
    deals: '<- Deal.organization[]',
  },
  { idPrefix: 'org', maxLength: { name: 200, domain: 253 } },
);

export const Lead = Noun('Lead', {
  contact: '-> Contact.leads',
  source: 'string',
  campaign: '-> Campaign.leads',
  status: 'New | Working | Converted | Disqualified',
});

export const Activity = Noun(
  'Activity',
  {
    subject: 'string!',
    type: 'Call | Email | Meeting | Task | Note',
    contact: '-> Contact.activities',
    deal: '-> Deal.activities',
    status: 'Pending | Completed | Cancelled',
    priority: 'Low | Medium | High',
    dueAt: 'datetime',
  },
  { collection: 'activities', maxLength: { subject: 500 } },
);

export const Deal = Noun('Deal', {
  name: 'string!',
  value: 'number',
  contact: '-> Contact',
  organization: '-> Organization.deals',
  stage: 'Prospecting | Qualification | Proposal | Negotiation | ClosedWon | ClosedLost',
  activities: '<- Activity.deal[]',
});

export const Campaign = Noun('Campaign', {
  name: 'string!',
  type: 'Email | Social | Event | Ads | Content',
  segment: 'string',
  status: 'Draft | Active | Completed',
  leads: '<- Lead.campaign[]',
});

export const NOUNS: readonly NounSchema[] = [Contact, Organization, Lead, Activity, Deal, Campaign];
checkNounGraph(NOUNS);

export const nounByName = new Map(NOUNS.map((n) => [n.name, n]));
export const nounByCollection = new Map(NOUNS.map((n) => [n.collection, n]));
export const nounByIdPrefix = new Map(NOUNS.map((n) => [n.idPrefix, n]));

/** The noun an entity id belongs to, read off its prefix (`org_…` → Organization). */
export function nounOfId(id: string): NounSchema | undefined {
  const cut = id.indexOf('_');
  return cut > 0 ? nounByIdPrefix.get(id.slice(0, cut)) : undefined;
}
