// Commands as a caller writes them, before the log mints ids and stamps time; and the one check
// of a verb's body, shared by the HTTP routes, the batch and after-hooks' `$`.
import type { Command } from '../commands';
import { refused, type Checked, type CheckFailure } from '../result';
import { isPlainObject, validateFields } from '../validate';
import type { DeclaredVerbs } from '../infer';
import { idShape, verbEvents, type ImplicitVerb, type NounSchema } from '../noun';
import type * as nouns from '../nouns';
import { NOUNS } from '../nouns';
import type { AnyCommand, VerbCommand } from './commands';
import { ENRICHABLE_FIELDS } from './enrich';
import { MAX_MERGE_SOURCES } from './merge';

type Capture = Extract<VerbCommand, { kind: 'capture' }>;

export type CommandDraft =
  | Exclude<AnyCommand, { kind: 'create' } | Capture>
  | Omit<Extract<Command, { kind: 'create' }>, 'id'>
  | Omit<Capture, 'newId' | 'leadId' | 'time'>;

/** The longest owner (assign) or source (enrich, capture) a verb body may carry. */
export const MAX_VERB_TEXT = 200;

export type { Checked } from '../result';

/** A verb a write may name: the implicit three or one some noun declares (a new one fails the switch below). */
export type WriteVerb = ImplicitVerb | DeclaredVerbs<Extract<(typeof nouns)[keyof typeof nouns], NounSchema>>;
/** Every verb of every noun, read off the declarations. */
export const WRITE_VERBS: readonly string[] = [...new Set(NOUNS.flatMap((noun) => Object.keys(verbEvents(noun))))];

// The noun answers to the verb; the type follows, since WriteVerb is read off the same declarations.
const answersTo = (noun: NounSchema, verb: string): verb is WriteVerb => Object.hasOwn(verbEvents(noun), verb);

const bad = (code: CheckFailure['code'], path: string, message: string): Checked<never> =>
  refused(code, [{ path, message }]);

/** Checks one write against the noun schema; `id` is needed by every verb but create and capture. */
export function draftCommand(
  noun: NounSchema,
  verb: string,
  id: string | undefined,
  body: unknown,
  base = '',
  idPath = '/id',
): Checked<CommandDraft> {
  if (!answersTo(noun, verb))
    return bad('not_found', idPath.replace(/id$/, 'verb'), `${noun.name} has no verb ${verb}`);
  if (verb !== 'create' && verb !== 'capture' && (typeof id !== 'string' || id === ''))
    return bad('bad_request', idPath, `${verb} needs the id of a ${noun.name}`);
  if ((verb === 'create' || verb === 'capture') && id !== undefined)
    return bad('bad_request', idPath, `${verb} mints the id; send none`);
  const target = id ?? '';
  const write = verb;
  switch (write) {
    case 'create':
    case 'update': {
      const checked = validateFields(noun, body, write, base, true);
      if (!checked.ok) return checked;
      const { data, echoed } = checked.value;
      if (write === 'create') return { ok: true, value: { kind: 'create', noun: noun.name, data } };
      return { ok: true, value: { kind: 'update', noun: noun.name, id: target, data, ...echoedOf(echoed) } };
    }
    case 'delete':
      return { ok: true, value: { kind: 'delete', noun: noun.name, id: target } };
    case 'qualify':
      return emptyBody(body, base) ?? { ok: true, value: { kind: 'qualify', noun: noun.name, id: target } };
    case 'assign':
      return checkAssign(noun, target, body, base);
    case 'merge':
      return checkMerge(noun, target, body, base);
    case 'enrich':
      return checkEnrich(noun, target, body, base);
    case 'capture':
      return checkCapture(noun, body, base);
    default: {
      const _exhaustive: never = write;
      return _exhaustive;
    }
  }
}

const echoedOf = (echoed: Record<string, unknown>) => (Object.keys(echoed).length ? { echoed } : {});

function emptyBody(body: unknown, base: string): Checked<never> | undefined {
  if (body === undefined || (isPlainObject(body) && Object.keys(body).length === 0)) return undefined;
  return bad('bad_request', base || '/', 'takes no body (or {})');
}

function checkAssign(noun: NounSchema, id: string, body: unknown, base: string): Checked<CommandDraft> {
  if (!isPlainObject(body)) return bad('bad_request', base || '/', 'must be {owner}');
  const extra = Object.keys(body).filter((k) => k !== 'owner');
  if (extra.length) return bad('bad_request', `${base}/${extra[0]}`, 'is not a member of {owner}');
  const owner = body['owner'];
  if (typeof owner !== 'string' || owner.trim() === '' || owner.length > MAX_VERB_TEXT)
    return bad('invalid', `${base}/owner`, `must be a non-empty string of at most ${MAX_VERB_TEXT} characters`);
  return { ok: true, value: { kind: 'assign', noun: noun.name, id, owner: owner.trim() } };
}

function checkMerge(noun: NounSchema, id: string, body: unknown, base: string): Checked<CommandDraft> {
  if (!isPlainObject(body)) return bad('bad_request', base || '/', 'must be {sources: [ids]}');
  const extra = Object.keys(body).filter((k) => k !== 'sources');
  if (extra.length) return bad('bad_request', `${base}/${extra[0]}`, 'is not a member of {sources}');
  const sources = body['sources'];
  const shape = idShape(noun.idPrefix);
  if (!Array.isArray(sources) || sources.length < 1 || sources.length > MAX_MERGE_SOURCES)
    return bad('invalid', `${base}/sources`, `must list 1 to ${MAX_MERGE_SOURCES} ${noun.name} ids`);
  const wrong = sources.findIndex((s) => typeof s !== 'string' || !shape.test(s));
  if (wrong >= 0)
    return bad('invalid', `${base}/sources/${wrong}`, `must be the id of a ${noun.name} (${noun.idPrefix}_…)`);
  if (new Set(sources).size !== sources.length) return bad('invalid', `${base}/sources`, 'lists an id twice');
  return { ok: true, value: { kind: 'merge', noun: noun.name, id, sources: sources as string[] } };
}

function checkEnrich(noun: NounSchema, id: string, body: unknown, base: string): Checked<CommandDraft> {
  if (!isPlainObject(body)) return bad('bad_request', base || '/', 'must be {data, source, overwrite?}');
  const extra = Object.keys(body).filter((k) => !['data', 'source', 'overwrite'].includes(k));
  if (extra.length) return bad('bad_request', `${base}/${extra[0]}`, 'is not a member of {data, source, overwrite}');
  const { data = {}, source, overwrite = false } = body;
  if (typeof overwrite !== 'boolean') return bad('invalid', `${base}/overwrite`, 'must be true or false');
  if (typeof source !== 'string' || source.trim() === '' || source.length > MAX_VERB_TEXT)
    return bad('invalid', `${base}/source`, `must name where the data comes from (1 to ${MAX_VERB_TEXT} characters)`);
  if (!isPlainObject(data)) return bad('invalid', `${base}/data`, 'must be an object of contact fields');
  const notEnrichable = Object.keys(data).find(
    (k) =>
      noun.fields[k] && !ENRICHABLE_FIELDS.includes(k) && !noun.computed.has(k) && noun.fields[k]!.kind !== 'inverse',
  );
  if (notEnrichable)
    return bad(
      'invalid',
      `${base}/data/${notEnrichable}`,
      `is not profile data; enrich fills ${ENRICHABLE_FIELDS.join(', ')}`,
    );
  const nulls = Object.keys(data).find((k) => data[k] === null);
  if (nulls) return bad('invalid', `${base}/data/${nulls}`, 'enrich fills values; use PATCH to clear one');
  const checked = validateFields(noun, data, 'update', `${base}/data`);
  if (!checked.ok) return checked;
  return {
    ok: true,
    value: { kind: 'enrich', noun: noun.name, id, data: checked.value.data, source: source.trim(), overwrite },
  };
}

function checkCapture(noun: NounSchema, body: unknown, base: string): Checked<CommandDraft> {
  if (isPlainObject(body) && 'stage' in body)
    return bad('invalid', `${base}/stage`, 'a capture starts or keeps a contact at its stage; it cannot set one');
  const checked = validateFields(noun, body, 'update', base);
  if (!checked.ok) return checked;
  const nulls = Object.keys(checked.value.data).find((k) => checked.value.data[k] === null);
  if (nulls) return bad('invalid', `${base}/${nulls}`, 'cannot be null in a capture');
  if (typeof checked.value.data['email'] !== 'string') return bad('invalid', `${base}/email`, 'is required to capture');
  return { ok: true, value: { kind: 'capture', noun: noun.name, data: checked.value.data } };
}

/** Gives a draft its ids and time; `mint(noun)` returns a fresh id for that noun. */
export function completeCommand(draft: CommandDraft, mint: (noun: string) => string, time: string): AnyCommand {
  if (draft.kind === 'create') return { ...draft, id: mint(draft.noun) };
  if (draft.kind === 'capture') return { ...draft, newId: mint(draft.noun), leadId: mint('Lead'), time };
  return draft;
}
