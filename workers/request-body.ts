// Reading a JSON request body safely: media type (415), size (413), syntax (400). Nothing here
// knows about nouns; schema checks come after.
import { problem, badRequest } from './problems';

export const MAX_BODY_BYTES = 1024 * 1024;

export type Body = { readonly ok: true; readonly value: unknown; readonly text: string } | { readonly ok: false; readonly response: Response };

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Parses the body as JSON; an absent body reads as `undefined` when `optional`. */
export async function readJson(request: Request, optional = false): Promise<Body> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) return tooLarge();
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) return tooLarge();
  if (bytes.byteLength === 0 && optional) return { ok: true, value: undefined, text: '' };
  const type = request.headers.get('content-type') ?? '';
  if (!JSON_TYPE.test(type))
    return { ok: false, response: problem({ code: 'unsupported_media_type', message: `send application/json, not ${type || 'no content type'}` }) };
  const text = new TextDecoder().decode(bytes);
  try {
    return { ok: true, value: JSON.parse(text), text };
  } catch (error) {
    return { ok: false, response: badRequest(`malformed JSON: ${(error as Error).message}`) };
  }
}

function tooLarge(): Body {
  return { ok: false, response: problem({ code: 'payload_too_large', message: `the body is over ${MAX_BODY_BYTES} bytes` }) };
}

export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(body), { ...init, headers });
}
