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
  const bytes = await readCapped(request, MAX_BODY_BYTES);
  if (!bytes) return tooLarge();
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

// Reads at most `max` bytes: a body without Content-Length is cut off there, not buffered whole.
async function readCapped(request: Request, max: number): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(read.value);
  }
  const bytes = new Uint8Array(size);
  chunks.reduce((at, chunk) => (bytes.set(chunk, at), at + chunk.byteLength), 0);
  return bytes;
}

function tooLarge(): Body {
  return { ok: false, response: problem({ code: 'payload_too_large', message: `the body is over ${MAX_BODY_BYTES} bytes` }) };
}

export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(body), { ...init, headers });
}
