// The HTTP contract the bench compares, on plain node:http: create and read by id of a tenant's contacts,
// with the same statuses and RFC 9457 problem+json bodies as the project's API, plus a bare route.
import { DeciderCommandHandler, EmmettError, type EventStore } from '@event-driven-io/emmett';
import type { PongoDb } from '@event-driven-io/pongo';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decider } from './business-logic.ts';
import { findContactIdByEmail, getContactById, type ContactDocument } from './contacts-projection.ts';
import { parseNewContact } from './validation.ts';

const handle = DeciderCommandHandler(decider);
const PROBLEM_BASE = 'https://crm.headless.ly/problems/';
const MAX_BODY = 1024 * 1024;
const CONTACTS = /^\/~([a-z0-9][a-z0-9-]{0,62})\/contacts(?:\/([^/]+))?$/;

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

const problem = (status: number, code: string, title: string, detail: string, extra: object = {}): Answer => ({
  status,
  headers: { 'content-type': 'application/problem+json' },
  body: { type: `${PROBLEM_BASE}${code}`, title, status, detail, ...extra },
});

const representation = (contact: ContactDocument) => ({
  $id: contact._id,
  $type: 'Contact',
  $version: contact.version,
  $createdAt: contact.createdAt,
  $updatedAt: contact.updatedAt,
  name: contact.name,
  ...(contact.email === null ? {} : { email: contact.email }),
  ...(contact.stage === null ? {} : { stage: contact.stage }),
});

export const contactsApi = (eventStore: EventStore, readStore: PongoDb, token: string) => {
  const create = async (tenant: string, request: IncomingMessage): Promise<Answer> => {
    if (!/^application\/(?:[a-z.+-]*\+)?json\b/i.test(request.headers['content-type'] ?? ''))
      return problem(415, 'unsupported_media_type', 'Unsupported media type', 'send application/json');
    const text = await readBody(request);
    if (text === null) return problem(413, 'payload_too_large', 'Payload too large', 'the body is over 1 MiB');
    const parsed = parseNewContact(text);
    if (!parsed.ok)
      return problem(
        parsed.status,
        parsed.status === 400 ? 'bad_request' : 'invalid',
        parsed.title,
        parsed.detail,
        parsed.errors.length ? { errors: parsed.errors } : {},
      );
    const contactId = `contact_${randomUUID()}`;
    try {
      const { newEvents } = await handle(eventStore, `contact-${contactId}`, {
        type: 'CreateContact',
        data: { contactId, tenant, ...parsed.value },
        metadata: { now: new Date() },
      });
      const created = newEvents[0]!.data;
      const document: ContactDocument = { _id: contactId, ...created, version: 1, updatedAt: created.createdAt };
      return {
        status: 201,
        body: representation(document),
        headers: { location: `/~${tenant}/contacts/${contactId}`, etag: '"1"' },
      };
    } catch (error) {
      // Emmett reports any unique violation inside the append's transaction as a version conflict; on a
      // new stream the only one there can be is the email index of the inline projection.
      if (!EmmettError.isInstanceOf(error, EmmettError.Codes.ConcurrencyError) || parsed.value.email === null)
        throw error;
      const existingId = await findContactIdByEmail(readStore, tenant, parsed.value.email);
      return problem(
        409,
        'duplicate',
        'Duplicate',
        `email ${parsed.value.email} belongs to ${existingId ?? 'another contact'} already`,
        {
          errors: [{ path: '/email', message: `is taken by ${existingId ?? 'another contact'}` }],
          ...(existingId ? { existingId } : {}),
        },
      );
    }
  };

  const read = async (tenant: string, id: string): Promise<Answer> => {
    const contact = await getContactById(readStore, tenant, id);
    return contact
      ? { status: 200, body: representation(contact), headers: { etag: `"${contact.version}"` } }
      : problem(404, 'not_found', 'Not found', `no contact ${id}`);
  };

  const route = async (request: IncomingMessage): Promise<Answer> => {
    const path = (request.url ?? '/').split('?')[0]!;
    if (path === '/__bench/bare') return { status: 200, body: 'ok' };
    const match = CONTACTS.exec(path);
    if (!match) return problem(404, 'not_found', 'Not found', `no route ${path}`);
    if (request.headers.authorization !== `Bearer ${token}`)
      return problem(401, 'unauthorized', 'Unauthorized', 'a valid bearer token is required');
    const [, tenant, id] = match as unknown as [string, string, string | undefined];
    if (id === undefined && request.method === 'POST') return create(tenant, request);
    if (id !== undefined && request.method === 'GET') return read(tenant, decodeURIComponent(id));
    return {
      ...problem(405, 'method_not_allowed', 'Method not allowed', `${request.method} is not allowed here`),
      headers: { 'content-type': 'application/problem+json', allow: id === undefined ? 'POST' : 'GET' },
    };
  };

  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let answer: Answer;
    try {
      answer = await route(request);
    } catch (error) {
      console.error(error);
      answer = problem(500, 'internal', 'Internal error', 'the peer failed; see its log');
    }
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    response.writeHead(answer.status, {
      'content-type': 'application/json',
      ...answer.headers,
      'content-length': Buffer.byteLength(text),
    });
    response.end(text);
  };
};

/** The body as text, or null past MAX_BODY. */
const readBody = (request: IncomingMessage): Promise<string | null> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
