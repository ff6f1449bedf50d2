// Replay and audit tooling over HTTP (issue 10; docs/replay.md): the export (NDJSON, streamed in pages),
// the import (NDJSON body, streamed, all or nothing), signed checkpoints and their public keys, erasure.
import type { IRequest } from 'itty-router';
import type { Env } from '../shared/env';
import { signingKey, sign } from './checkpoint';
import { badRequest, problem } from './problems';
import { json } from './request-body';
import { readModelOf } from '../projections/consumer';
import { tenantCall } from './tenant-call';

const NDJSON = 'application/x-ndjson';
/** Lines (or bytes) per import page sent to the log. */
const IMPORT_PAGE_LINES = 2_000;
const IMPORT_PAGE_BYTES = 4 * 1024 * 1024;

export async function exportLog(request: IRequest, env: Env): Promise<Response> {
  const raw = new URL(request.url).searchParams.get('after') ?? '0';
  let after = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(after))
    return badRequest('after must be a seq number, 0 or more', [{ path: '?after', message: 'invalid' }]);
  const ctx = await tenantCall(request, env, request.params['tenant']!);
  if (!ctx.ok) return ctx.response;
  const first = await ctx.log.exportPage(ctx.call, after);
  if (!first.ok) return problem(first.error);
  const encoder = new TextEncoder();
  let page: typeof first.value | undefined = first.value;
  // Pull-driven: the next page is asked of the log only when the client has read the last one.
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!page) {
          const next = await ctx.log.exportPage(ctx.call, after);
          if (!next.ok) return controller.error(new Error(next.error.message));
          page = next.value;
        }
        const { text, last, count } = page;
        page = undefined;
        if (count === 0) return controller.close();
        controller.enqueue(encoder.encode(text));
        after = last;
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    headers: { 'content-type': `${NDJSON}; charset=utf-8`, 'x-event-seq': String(first.value.head) },
  });
}

export async function importLog(request: IRequest, env: Env): Promise<Response> {
  const ctx = await tenantCall(request, env, request.params['tenant']!);
  if (!ctx.ok) return ctx.response;
  // The caller first (auth before anything), then the media type, then the body.
  const type = request.headers.get('content-type') ?? '';
  if (!/ndjson|jsonl|json/i.test(type))
    return problem({ code: 'unsupported_media_type', message: `send ${NDJSON}, not ${type || 'no content type'}` });
  const id = crypto.randomUUID();
  const begun = await ctx.log.importBegin(ctx.call, id);
  if (!begun.ok) return problem(begun.error);
  try {
    let buffered = '';
    let lines = 0;
    let rest = '';
    const flush = async () => {
      if (!buffered) return undefined;
      const answer = await ctx.log.importPage(ctx.call, id, buffered);
      buffered = '';
      lines = 0;
      return answer.ok ? undefined : problem(answer.error);
    };
    if (request.body) {
      for await (const chunk of request.body.pipeThrough(new TextDecoderStream('utf-8', { fatal: true }))) {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop()!;
        for (const line of parts) {
          buffered += `${line}\n`;
          if (++lines >= IMPORT_PAGE_LINES || buffered.length >= IMPORT_PAGE_BYTES) {
            const refused = await flush();
            if (refused) return refused;
          }
        }
      }
    }
    buffered += rest;
    const refused = await flush();
    if (refused) return refused;
    const done = await ctx.log.importCommit(ctx.call, id);
    if (!done.ok) return problem(done.error);
    // The read model catches up from the outbox's nudge; this one saves it the wait.
    await readModelOf(env, ctx.call.tenant)
      .catchUp(ctx.call.tenant)
      .catch(() => undefined);
    return json(
      { imported: done.value.seq, head: { seq: done.value.seq, hash: done.value.hash } },
      { headers: { 'x-event-seq': String(done.value.seq) } },
    );
  } catch (error) {
    await ctx.log.importAbort(ctx.call, id).catch(() => undefined);
    if (error instanceof TypeError) return badRequest(`the body could not be read as UTF-8 NDJSON: ${error.message}`);
    throw error;
  }
}

export async function auditCheckpoint(request: IRequest, env: Env): Promise<Response> {
  const ctx = await tenantCall(request, env, request.params['tenant']!);
  if (!ctx.ok) return ctx.response;
  const key = await signingKey(env.AUDIT_SIGNING_KEY);
  const head = await ctx.log.head(ctx.call);
  if (!head.ok) return problem(head.error);
  if (!key)
    return problem({
      code: 'unavailable',
      message: 'no usable AUDIT_SIGNING_KEY (an Ed25519 private key: JWK, or PKCS #8 in base64) is configured',
    });
  const checkpoint = await sign(key, { tenant: ctx.call.tenant, ...head.value }, new Date().toISOString());
  return json(checkpoint, { headers: { 'x-event-seq': String(head.value.seq) } });
}

export async function auditKeys(_request: IRequest, env: Env): Promise<Response> {
  const key = await signingKey(env.AUDIT_SIGNING_KEY);
  return json({ keys: key ? [key.publicJwk] : [] }, { headers: { 'cache-control': 'public, max-age=300' } });
}

export async function eraseContactRoute(request: IRequest, env: Env): Promise<Response> {
  const ctx = await tenantCall(request, env, request.params['tenant']!);
  if (!ctx.ok) return ctx.response;
  const erased = await ctx.log.erase(ctx.call, request.params['id']!);
  if (!erased.ok && erased.error.extra?.['compacted'] === true) {
    // A retry that finished the log's physical step: the read model is reset too, then 410.
    await readModelOf(env, ctx.call.tenant).wipe(ctx.call.tenant);
  }
  if (!erased.ok) return problem(erased.error);
  // The read model held copies too: it is reset and refilled from the redacted log before we answer.
  const wiped = await readModelOf(env, ctx.call.tenant).wipe(ctx.call.tenant);
  return json(
    { ...erased.value, readModel: wiped.ok ? wiped.value : { error: wiped.error.message } },
    { headers: { 'x-event-seq': String(erased.value.seq) } },
  );
}
