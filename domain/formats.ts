// String formats named in noun options. Each check answers a message for the client, or undefined when
// the value is fine. Pure functions: the edge, the CLI and tests use the same ones.
import type { StringFormat } from './noun';

// Practical address syntax (RFC 5321 lengths, no spaces or quoting), the kind a CRM can mail to.
const DOMAIN_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const EMAIL = new RegExp(`^[A-Za-z0-9.!#$%&'*+/=?^_\`{|}~-]+@${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})+$`);

/** The same address syntax as a JSON Schema pattern: the local part at most 64 characters. */
export const EMAIL_PATTERN = `^(?=[^@]{1,64}@)${EMAIL.source.slice(1)}`;

export function checkEmail(value: string): string | undefined {
  const [local = ''] = value.split('@');
  if (!EMAIL.test(value) || local.length > 64 || value.length > 254)
    return 'must be an email address like name@example.com';
  return undefined;
}

export function checkUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  } catch {
    // fall through to the message
  }
  return 'must be an absolute http(s) URL';
}

let zones: Set<string> | undefined;
// IANA names start every segment with a capital: Europe/Berlin, Etc/GMT+5, EST5EDT.
const ZONE_SHAPE = /^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/;

export function checkTimezone(value: string): string | undefined {
  zones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (zones.has(value) || value === 'UTC') return undefined;
  const message = 'must be an IANA time zone like Europe/Berlin';
  try {
    // Accepts aliases (e.g. "Asia/Calcutta") that supportedValuesOf leaves out, but not a zone in the
    // wrong case ("utc", "europe/berlin"): Intl forgives it, case-sensitive zone databases do not.
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    if (resolved !== value && resolved.toLowerCase() === value.toLowerCase()) return `${message} (spelled ${resolved})`;
    return ZONE_SHAPE.test(value) ? undefined : message;
  } catch {
    return message;
  }
}

export function checkLanguage(value: string): string | undefined {
  try {
    const [canonical] = Intl.getCanonicalLocales(value);
    // BCP 47 also admits 5-8 letter registered languages; a CRM wants ISO 639 codes (en, de, yue).
    if (canonical && /^[a-z]{2,3}(-|$)/i.test(value)) return undefined;
  } catch {
    // fall through to the message
  }
  return 'must be a BCP 47 language tag like en or pt-BR';
}

// RFC 3339 date-time: a full date, a time and an offset, and a real calendar date.
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/i;

export function checkDatetime(value: string): string | undefined {
  const m = DATETIME.exec(value);
  const message = 'must be an ISO 8601 date-time with offset, like 2026-01-31T09:30:00Z';
  if (!m) return message;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offsetOk = m[8] === undefined || (Number(m[8]) < 24 && Number(m[9]) < 60);
  const date = new Date(Date.UTC(year, month - 1, day));
  const realDay = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return realDay && offsetOk && hour < 24 && minute < 60 && second < 61 ? undefined : message;
}

export const FORMAT_CHECKS: Readonly<Record<StringFormat, (value: string) => string | undefined>> = {
  email: checkEmail,
  url: checkUrl,
  timezone: checkTimezone,
  language: checkLanguage,
};

/** The form under which unique values are compared: trimmed, case-insensitive. */
export function normalizeUnique(value: string): string {
  return value.trim().toLowerCase();
}
