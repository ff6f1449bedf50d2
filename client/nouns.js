// Generated from domain/nouns.ts by test/node/client-manifest.test.ts; do not edit.
export const NOUN_MANIFEST = [
  {
    "name": "Contact",
    "collection": "contacts",
    "verbs": {
      "qualify": "Qualified",
      "capture": "Captured",
      "assign": "Assigned",
      "merge": "Merged",
      "enrich": "Enriched"
    }
  },
  {
    "name": "Organization",
    "collection": "organizations",
    "verbs": {}
  },
  {
    "name": "Lead",
    "collection": "leads",
    "verbs": {}
  },
  {
    "name": "Activity",
    "collection": "activities",
    "verbs": {}
  },
  {
    "name": "Deal",
    "collection": "deals",
    "verbs": {}
  },
  {
    "name": "Campaign",
    "collection": "campaigns",
    "verbs": {}
  }
];
