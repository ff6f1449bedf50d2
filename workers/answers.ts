// Turning log results into HTTP answers: representations with ETag and X-Event-Seq, problems otherwise.
import type { Representation } from '../domain/entity';
import type { WriteOutcome } from '../durable-objects/command-service';
import type { Result } from '../shared/protocol';
import { problem } from './problems';
import { json } from './request-body';

export function etagOf(entity: Representation): string {
  return `"${entity.$version}"`;
}

/** `If-Match: "3"` (or W/"3", or 3) → 3; `*` or absent → undefined; anything else → NaN. */
export function parseIfMatch(header: string | null): number | undefined {
  if (header === null || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  return match ? Number(match[1]) : Number.NaN;
}

export function entityAnswer(
  entity: Representation,
  init: { status?: number; seq: number; location?: string; seqHeader?: string },
): Response {
  const headers: Record<string, string> = { etag: etagOf(entity), [init.seqHeader ?? 'x-event-seq']: String(init.seq) };
  if (init.location) headers['location'] = init.location;
  return json(entity, { status: init.status ?? 200, headers });
}

/** A failed result as a problem; a merged entity answers 308 to its target. */
export function failureAnswer(
  result: Extract<Result<unknown>, { ok: false }>,
  locate: (id: string) => string,
): Response {
  const location = result.error.extra?.['location'];
  if (result.error.code === 'moved' && typeof location === 'string')
    return problem(result.error, { location: locate(location) });
  return problem(result.error);
}

/** A command's answer: 201 with its Location when it created, 200 with the entity, 204 when none is left (a delete). */
export function writeAnswer(result: Result<WriteOutcome>, locate: (id: string) => string): Response {
  if (!result.ok) return failureAnswer(result, locate);
  const { entity, seq, created } = result.value;
  if (!entity) return new Response(null, { status: 204, headers: { 'x-event-seq': String(seq) } });
  const location = created ? { location: locate(entity.$id) } : {};
  return entityAnswer(entity, { status: created ? 201 : 200, seq, ...location });
}
