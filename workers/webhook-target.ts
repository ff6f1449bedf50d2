// Checks a webhook URL before it is stored and before each send: the name rules of domain/webhook-url.ts,
// then, for a DNS name, its A and AAAA records over DNS-over-HTTPS (a name resolving to a private
// address is refused as the address itself would be). A name that does not resolve is refused too.
import { checkWebhookUrl, isPrivateAddress, type UrlCheck } from '../domain/webhook-url';
import type { Env } from '../shared/env';

const DOH = 'https://cloudflare-dns.com/dns-query';
const LOOKUP_TIMEOUT_MS = 3_000;

export async function checkWebhookTarget(raw: string, env: Env): Promise<UrlCheck> {
  const checked = checkWebhookUrl(raw, env.ALLOW_LOCAL_WEBHOOKS === 'true');
  if (!checked.ok) return checked;
  const host = checked.url.hostname.replace(/^\[|\]$/g, '');
  if (/^[\d.]+$/.test(host) || host.includes(':') || checked.url.protocol === 'http:') return checked;
  const addresses = await resolve(host);
  if (addresses === null) return { ok: false, message: `${host} could not be resolved` };
  if (addresses.some(isPrivateAddress))
    return { ok: false, message: `${host} resolves to a private, loopback or link-local address` };
  return checked;
}

async function resolve(host: string): Promise<string[] | null> {
  try {
    const answers = await Promise.all(
      ['A', 'AAAA'].map(async (type) => {
        const response = await fetch(`${DOH}?name=${encodeURIComponent(host)}&type=${type}`, {
          headers: { accept: 'application/dns-json' },
          signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
        });
        if (!response.ok) throw new Error(`DNS lookup answered ${response.status}`);
        const body = (await response.json()) as { Answer?: { type: number; data: string }[] };
        return (body.Answer ?? []).filter((a) => a.type === 1 || a.type === 28).map((a) => a.data.toLowerCase());
      }),
    );
    const all = answers.flat();
    return all.length ? all : null;
  } catch {
    return null;
  }
}
