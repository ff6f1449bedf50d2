// Where a webhook may point: https, and not at a private, loopback, link-local or otherwise reserved
// address (no server-side request forgery). `allowLocal` (ALLOW_LOCAL_WEBHOOKS, development only) also
// admits http on loopback. Pure: names are checked here, resolved addresses by the caller.

export type UrlCheck = { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly message: string };

export function checkWebhookUrl(raw: string, allowLocal: boolean): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'is not a URL' };
  }
  if (url.username || url.password) return { ok: false, message: 'must not carry credentials' };
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopback = isLoopback(host);
  if (allowLocal && loopback && (url.protocol === 'http:' || url.protocol === 'https:')) return { ok: true, url };
  if (url.protocol !== 'https:') return { ok: false, message: 'must be https' };
  if (loopback || isPrivateAddress(host) || isLocalName(host))
    return { ok: false, message: 'must not point at a private, loopback or link-local address' };
  return { ok: true, url };
}

/** The host is loopback: localhost names, 127/8, ::1. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const v4 = ipv4(host);
  if (v4) return v4[0] === 127;
  return host === '::1' || mappedV4(host)?.[0] === 127;
}

function isLocalName(host: string): boolean {
  return !host.includes('.') && ipv4(host) === null && !host.includes(':')
    ? true
    : /\.(local|internal|lan|home|intranet|corp)$/.test(host);
}

/** Private, loopback, link-local, carrier-grade NAT, multicast, reserved or documentation addresses. */
export function isPrivateAddress(host: string): boolean {
  const v4 = ipv4(host) ?? mappedV4(host);
  if (v4) {
    const [a, b, c] = v4 as [number, number, number, number];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      a >= 224 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 192 && b === 0 && (c === 0 || c === 2)) ||
      (a === 198 && (b === 18 || b === 19)) ||
      (a === 198 && b === 51 && c === 100) ||
      (a === 203 && b === 0 && c === 113)
    );
  }
  if (!host.includes(':')) return false;
  const first = parseInt(host.split(':')[0] || '0', 16);
  // ::, ::1, unique local fc00::/7, link-local fe80::/10, multicast ff00::/8, documentation 2001:db8::/32
  return (
    host === '::' ||
    host === '::1' ||
    (first & 0xfe00) === 0xfc00 ||
    (first & 0xffc0) === 0xfe80 ||
    (first & 0xff00) === 0xff00 ||
    host.startsWith('2001:db8:') ||
    host.startsWith('64:ff9b:')
  );
}

function ipv4(host: string): number[] | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

// An IPv4 address carried inside an IPv6 one reaches that IPv4 host: mapped ::ffff:a.b.c.d, compatible
// ::a.b.c.d and 6to4 2002:aabb:ccdd::/16, in whatever spelling (dotted or hex; the URL parser's canonical
// form is read, so ::ffff:10.0.0.1 and ::ffff:a00:1 are one address).
function mappedV4(host: string): number[] | null {
  if (!host.includes(':')) return null;
  const canonical = canonicalV6(host);
  const match =
    /^::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical) ??
    /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4})(?::|$)/.exec(canonical);
  if (!match) return null;
  const hi = parseInt(match[1]!, 16);
  const lo = parseInt(match[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255];
}

function canonicalV6(host: string): string {
  try {
    return new URL(`http://[${host.replace(/^\[|\]$/g, '')}]`).hostname.slice(1, -1);
  } catch {
    return host.toLowerCase();
  }
}
