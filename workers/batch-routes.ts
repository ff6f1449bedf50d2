// `POST /~t/batch {operations: [{type, verb, id?, data}], atomic?}`: up to 1,000 writes. Atomic: one
// transaction, all or nothing, and a refusal answers 422 naming the operation. Otherwise each
// operation stands alone and gets its own result.
import type { IRequest } from 'itty-router';
import { nounByCollection, nounByName } from '../domain/nouns';
import { isPlainObject } from '../domain/validate';
import { draftCommand, type CommandDraft } from '../domain/verbs/drafts';
import type { Failure } from '../shared/protocol';
import type { OperationResult } from '../durable-objects/command-service';
import type { Env } from '../shared/env';
import { badRequest, listedErrors, problem, PROBLEMS } from './problems';
import { json, readJson } from './request-body';
import { idempotencyOf, tenantCall } from './tenant-call';

export const MAX_OPERATIONS = 1_000;
const MEMBERS = ['type', 'verb', 'id', 'data'];

export async function postBatch(request: IRequest, env: Env): Promise<Response> {
  const ctx = await tenantCall(request, env, request.params['tenant']!);
  if (!ctx.ok) return ctx.response;
  const body = await readJson(request);
  if (!body.ok) return body.response;
  const shape = checkShape(body.value);
  if (shape instanceof Response) return shape;
  const checked = shape.operations.map((op, i) => draftOperation(op, i));
  const firstBad = checked.findIndex((c) => 'code' in c);
  if (shape.atomic && firstBad >= 0) return operationFailed(firstBad, checked[firstBad] as Failure);
  const valid = checked.filter((c): c is CommandDraft => !('code' in c));
  const result = await ctx.log.batch(
    ctx.call,
    { operations: valid, atomic: shape.atomic },
    await idempotencyOf(request, body.text),
  );
  if (!result.ok) {
    const cause = result.error.extra?.['cause'] as Failure | undefined;
    return result.error.code === 'operation_failed' && cause
      ? operationFailed(Number(result.error.extra!['operation']), cause)
      : problem(result.error);
  }
  const ran = [...result.value.results];
  const results = checked.map((c) => ('code' in c ? failed(c) : answered(ran.shift()!)));
  return json({ results, atomic: shape.atomic }, { headers: { 'x-event-seq': String(result.value.seq) } });
}

function checkShape(value: unknown): { operations: unknown[]; atomic: boolean } | Response {
  if (!isPlainObject(value)) return badRequest('send {operations: [...], atomic?}');
  const extra = Object.keys(value).filter((k) => k !== 'operations' && k !== 'atomic');
  if (extra.length)
    return badRequest(
      'unknown members',
      extra.map((k) => ({ path: `/${k}`, message: 'is not a batch member' })),
    );
  const { operations, atomic = false } = value;
  if (typeof atomic !== 'boolean')
    return problem({
      code: 'invalid',
      message: 'atomic must be true or false',
      errors: [{ path: '/atomic', message: 'must be a boolean' }],
    });
  if (!Array.isArray(operations) || operations.length === 0 || operations.length > MAX_OPERATIONS)
    return problem({
      code: 'invalid',
      message: `operations must list 1 to ${MAX_OPERATIONS} operations`,
      errors: [{ path: '/operations', message: `must hold 1 to ${MAX_OPERATIONS} items` }],
    });
  return { operations, atomic };
}

function draftOperation(op: unknown, i: number): CommandDraft | Failure {
  const base = `/operations/${i}`;
  if (!isPlainObject(op))
    return {
      code: 'bad_request',
      message: `operation ${i} must be {type, verb, id?, data?}`,
      errors: [{ path: base, message: 'must be an object' }],
    };
  const extra = Object.keys(op).filter((k) => !MEMBERS.includes(k));
  if (extra.length)
    return {
      code: 'bad_request',
      message: `operation ${i} has unknown members`,
      errors: extra.map((k) => ({ path: `${base}/${k}`, message: 'is not an operation member' })),
    };
  const noun =
    typeof op['type'] === 'string' ? (nounByName.get(op['type']) ?? nounByCollection.get(op['type'])) : undefined;
  if (!noun)
    return {
      code: 'invalid',
      message: `operation ${i}: unknown type`,
      errors: [{ path: `${base}/type`, message: `must be one of ${[...nounByName.keys()].join(', ')}` }],
    };
  if (typeof op['verb'] !== 'string')
    return {
      code: 'invalid',
      message: `operation ${i}: verb missing`,
      errors: [{ path: `${base}/verb`, message: 'must be a verb name' }],
    };
  if (op['id'] !== undefined && typeof op['id'] !== 'string')
    return {
      code: 'invalid',
      message: `operation ${i}: id must be a string`,
      errors: [{ path: `${base}/id`, message: 'must be a string' }],
    };
  const checked = draftCommand(
    noun,
    op['verb'],
    op['id'] as string | undefined,
    op['data'],
    `${base}/data`,
    `${base}/id`,
  );
  if (checked.ok) return checked.value;
  return { ...checked.error, message: `operation ${i}: invalid ${noun.name} ${op['verb']}` };
}

function operationFailed(index: number, cause: Failure): Response {
  return problem({
    code: 'operation_failed',
    message: `operation ${index} failed, nothing was written: ${cause.message}`,
    ...(cause.errors ? { errors: cause.errors } : {}),
    extra: {
      operation: index,
      cause: {
        status: PROBLEMS[cause.code].status,
        title: PROBLEMS[cause.code].title,
        detail: cause.message,
        ...(cause.extra ?? {}),
      },
    },
  });
}

function failed(error: Failure): { status: number; body: Record<string, unknown> } {
  const { status, title } = PROBLEMS[error.code];
  return {
    status,
    body: {
      type: `https://crm.headless.ly/problems/${error.code}`,
      title,
      status,
      detail: error.message,
      ...listedErrors(error.errors),
      ...(error.extra ?? {}),
    },
  };
}

function answered(result: OperationResult): { status: number; body?: unknown } {
  if (!result.ok) return failed(result.error);
  if (!result.entity) return { status: 204 };
  return { status: result.created ? 201 : 200, body: result.entity };
}
