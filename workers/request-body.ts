// Reading a JSON request body safely: media type (415), size (413), UTF-8, syntax and nesting (400).
// Nothing here knows about nouns; schema checks come after.
import { problem, badRequest } from './problems';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Objects and arrays nest at most this deep in any body (a top-level object is depth 1). */
export const MAX_JSON_DEPTH = 32;

export type Body =
  | { readonly ok: true; readonly value: unknown; readonly text: string }
  | { readonly ok: false; readonly response: Response };

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
    return {
      ok: false,
      response: problem({
        code: 'unsupported_media_type',
        message: `send application/json, not ${type || 'no content type'}`,
      }),
    };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, response: badRequest('the body is not valid UTF-8') };
  }
  // Checked on the text, before parsing: nothing downstream (validation, hashing, structured clone,
  // stringify) meets a structure deeper than the limit.
  if (depthOf(text) > MAX_JSON_DEPTH)
    return { ok: false, response: badRequest(`JSON nests deeper than ${MAX_JSON_DEPTH} levels`) };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, response: badRequest(`malformed JSON: ${(error as Error).message}`) };
  }
  // A \uD800 escape is valid JSON but no Unicode text: SQLite and hashing would see other bytes.
  if (LONE_SURROGATE_ESCAPE.test(text) && !wellFormed(value))
    return { ok: false, response: badRequest('a string holds a lone surrogate (\\uD800-\\uDFFF)') };
  return { ok: true, value, text };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const LONE_SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The deepest nesting of [ and { outside strings; a linear scan, whatever the text. */
export function depthOf(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

// Every string and key is well-formed UTF-16; iterative, though the depth is bounded already.
function wellFormed(value: unknown): boolean {
  const stack = [value];
  while (stack.length) {
    const next = stack.pop();
    if (typeof next === 'string' && LONE_SURROGATE.test(next)) return false;
    if (next && typeof next === 'object')
      for (const [k, v] of Object.entries(next)) {
        if (LONE_SURROGATE.test(k)) return false;
        stack.push(v);
      }
  }
  return true;
}

// Reads at most `max` bytes: a body without Content-Length is cut off there, not buffered whole.
async function readCapped(request: Request, max: number): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array(0);
  // A well-formed declared length within `max` bounds the body by HTTP framing: one native read instead of a
  // reader loop (7% of a create's CPU). Anything else (absent, not a number) goes through the capped loop.
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isSafeInteger(declared) && declared >= 0 && declared <= max) {
    const whole = new Uint8Array(await request.arrayBuffer());
    return whole.byteLength > max ? undefined : whole;
  }
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
  return {
    ok: false,
    response: problem({ code: 'payload_too_large', message: `the body is over ${MAX_BODY_BYTES} bytes` }),
  };
}

export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(body), { ...init, headers });
}
