// The optional external enrichment provider, behind the ENRICHMENT service binding. The edge asks it
// (I/O never happens inside the log's transaction) and sends its fields as a second enrich in the
// same atomic batch: the request's own data wins, the provider fills what is still empty.
import { Contact } from '../domain/nouns';
import { isPlainObject, validateFields } from '../domain/validate';
import { ENRICHABLE_FIELDS } from '../domain/verbs/enrich';
import type { CommandDraft } from '../domain/verbs/drafts';
import type { CallContext, Idempotency } from '../shared/protocol';
import { entityAnswer, failureAnswer } from './answers';
import type { LogClient } from './tenant-call';
import { problem } from './problems';

type Enrich = Extract<CommandDraft, { kind: 'enrich' }>;

export async function enrichWithProvider(
  provider: Fetcher,
  log: LogClient,
  call: CallContext,
  draft: Enrich,
  idempotency: Idempotency | undefined,
  locate: (id: string) => string,
): Promise<Response> {
  // The provider sees the contact's data: only a caller allowed to write may make it ask (a read key gets 403 here).
  const allowed = call.principal.kind === 'admin' ? null : await log.check(call, 'write');
  if (allowed && !allowed.ok) return problem(allowed.error);
  const current = await log.read(call, { noun: Contact.name, id: draft.id });
  // A write to a merged contact is a 409, not the 308 a read gets.
  if (!current.ok && current.error.code === 'moved') return problem({ ...current.error, code: 'merged' });
  if (!current.ok) return failureAnswer(current, locate);
  const offered = await ask(provider, { ...current.value.entity, ...draft.data });
  const operations: CommandDraft[] = [draft];
  if (offered)
    operations.push({
      kind: 'enrich',
      noun: Contact.name,
      id: draft.id,
      data: offered.data,
      source: offered.source,
      overwrite: false,
    });
  const result = await log.batch(call, { operations, atomic: true }, idempotency);
  if (!result.ok)
    return result.error.code === 'operation_failed'
      ? problem(result.error.extra!['cause'] as never)
      : problem(result.error);
  const last = result.value.results.at(-1)!;
  if (!last.ok || !last.entity) return problem({ code: 'internal', message: 'enrich answered without the contact' });
  const answer = entityAnswer(last.entity, { seq: result.value.seq });
  answer.headers.set('x-enrichment-provider', offered ? offered.source : 'no-data');
  return answer;
}

// Whatever the provider answers is checked like client input; a failing or odd provider adds nothing.
async function ask(
  provider: Fetcher,
  contact: Record<string, unknown>,
): Promise<{ data: Record<string, unknown>; source: string } | undefined> {
  try {
    const response = await provider.fetch('https://enrichment.internal/enrich', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contact }),
    });
    if (!response.ok) return undefined;
    const body: unknown = await response.json();
    if (!isPlainObject(body) || !isPlainObject(body['data'])) return undefined;
    const source =
      typeof body['source'] === 'string' && body['source'].trim()
        ? `provider:${body['source'].trim().slice(0, 100)}`
        : 'provider';
    const fields = Object.fromEntries(
      Object.entries(body['data']).filter(([k, v]) => ENRICHABLE_FIELDS.includes(k) && v !== null),
    );
    const checked = validateFields(Contact, fields, 'update');
    return checked.ok && Object.keys(checked.value.data).length ? { data: checked.value.data, source } : undefined;
  } catch {
    return undefined;
  }
}
