// enrich {data, source, overwrite?}: fills empty profile fields (all of them with overwrite) and
// keeps the provenance of each value. Built-in derivations fill what can be worked out locally.
import { checkUnique, diff, requireWritable, resolveReferences } from '../decide';
import type { DomainEvent } from '../events';
import { typedEvent } from '../event-types';
import { sha256Hex } from '../events';
import type { LifecycleView } from '../lifecycle-view';
import { Contact } from '../nouns';

/** The profile fields enrichment may fill: Contact's `enrichable` option (domain/nouns.ts). */
export const ENRICHABLE_FIELDS: readonly string[] = Contact.enrichable;

export const DERIVED = {
  name: 'derived:name',
  gravatar: 'derived:gravatar',
  normalised: 'derived:normalised',
} as const;

export function decideEnrich(
  id: string,
  data: Readonly<Record<string, unknown>>,
  source: string,
  overwrite: boolean,
  view: LifecycleView,
): DomainEvent[] {
  const contact = requireWritable(Contact, id, view);
  const proposed: Record<string, unknown> = {};
  const provenance: Record<string, string> = {};
  for (const [field, value] of Object.entries(data)) {
    if (!overwrite && contact.fields[field] !== undefined) continue;
    proposed[field] = value;
    provenance[field] = source;
  }
  derive({ ...contact.fields, ...proposed }, proposed, provenance);
  const resolved = resolveReferences(Contact, id, proposed, view, contact.fields);
  const changes = diff(contact.fields, resolved);
  if (Object.keys(changes).length === 0) return [];
  checkUnique(Contact, id, resolved, view);
  const kept = Object.fromEntries(Object.entries(provenance).filter(([field]) => field in changes));
  const enriched = { source, provenance: kept, changes };
  return [typedEvent({ type: 'Contact.Enriched', entityType: 'Contact', entityId: id, data: enriched })];
}

// Derivations fill only what is still empty, except normalisation, which rewrites a value in place.
function derive(
  merged: Readonly<Record<string, unknown>>,
  proposed: Record<string, unknown>,
  provenance: Record<string, string>,
): void {
  const name = merged['name'];
  if (typeof name === 'string' && merged['firstName'] === undefined && merged['lastName'] === undefined) {
    const parts = name.trim().split(/\s+/);
    if (parts.length >= 2) {
      set(proposed, provenance, 'firstName', parts[0], DERIVED.name);
      set(proposed, provenance, 'lastName', parts.slice(1).join(' '), DERIVED.name);
    }
  }
  const email = merged['email'];
  if (typeof email === 'string' && merged['avatar'] === undefined)
    set(proposed, provenance, 'avatar', gravatarUrl(email), DERIVED.gravatar);
  for (const [field, normalise] of [
    ['twitterHandle', normaliseTwitterHandle],
    ['linkedinUrl', normaliseLinkedinUrl],
  ] as const) {
    const value = merged[field];
    if (typeof value !== 'string') continue;
    const normal = normalise(value);
    if (normal !== value) set(proposed, provenance, field, normal, provenance[field] ?? DERIVED.normalised);
  }
}

function set(
  proposed: Record<string, unknown>,
  provenance: Record<string, string>,
  field: string,
  value: unknown,
  source: string,
): void {
  proposed[field] = value;
  provenance[field] = source;
}

/** Gravatar's address for an email: SHA-256 of the trimmed, lower-cased address; 404 when none. */
export function gravatarUrl(email: string): string {
  return `https://gravatar.com/avatar/${sha256Hex(email.trim().toLowerCase())}?d=404`;
}

/** `@handle` from "handle", "@handle" or a twitter.com / x.com profile URL; anything else unchanged. */
export function normaliseTwitterHandle(value: string): string {
  const trimmed = value.trim();
  const fromUrl =
    /^(?:https?:\/\/)?(?:www\.|mobile\.)?(?:twitter\.com|x\.com)\/@?([A-Za-z0-9_]{1,15})(?:[/?#].*)?$/i.exec(trimmed);
  const handle = fromUrl?.[1] ?? /^@?([A-Za-z0-9_]{1,15})$/.exec(trimmed)?.[1];
  return handle ? `@${handle}` : trimmed;
}

/** `https://www.linkedin.com/in/slug` (or /company/slug) without query, fragment or trailing slash. */
export function normaliseLinkedinUrl(value: string): string {
  const match =
    /^(?:https?:\/\/)?(?:[a-z]{2,3}\.|www\.)?linkedin\.com\/(in|company|pub)\/([^/?#\s]+)\/?(?:[?#].*)?$/i.exec(
      value.trim(),
    );
  return match ? `https://www.linkedin.com/${match[1]!.toLowerCase()}/${match[2]!}` : value.trim();
}
