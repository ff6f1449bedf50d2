// The request body of a create, checked at the edge as the project's API does: 400 for JSON that is not
// an object or names an unknown field, 422 for a bad value. The email syntax is the project's.
import { STAGES, type Stage } from './contact.ts';

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const EMAIL = new RegExp(`^[A-Za-z0-9.!#$%&'*+/=?^_\`{|}~-]+@${LABEL}(?:\\.${LABEL})+$`);
const FIELDS = new Set(['name', 'email', 'stage']);

type FieldError = { path: string; message: string };
export type NewContact = { name: string; email: string | null; stage: Stage | null };
export type Parsed =
  | { ok: true; value: NewContact }
  | { ok: false; status: 400 | 422; title: string; detail: string; errors: FieldError[] };

const refuse = (status: 400 | 422, detail: string, errors: FieldError[]): Parsed => ({
  ok: false,
  status,
  title: status === 400 ? 'Bad request' : 'Unprocessable content',
  detail,
  errors,
});

export const parseNewContact = (text: string): Parsed => {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return refuse(400, 'the body is not valid JSON', []);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return refuse(400, 'the body must be a JSON object', []);
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !FIELDS.has(key));
  if (unknown.length)
    return refuse(
      400,
      `unknown field ${unknown[0]}`,
      unknown.map((key) => ({ path: `/${key}`, message: 'is not a field of Contact' })),
    );
  const errors: FieldError[] = [];
  const { name, email = null, stage = null } = fields;
  if (typeof name !== 'string' || name.trim() === '') errors.push({ path: '/name', message: 'is required' });
  else if (name.length > 200) errors.push({ path: '/name', message: 'must be at most 200 characters' });
  if (
    email !== null &&
    (typeof email !== 'string' || !EMAIL.test(email) || email.length > 254 || email.split('@')[0]!.length > 64)
  )
    errors.push({ path: '/email', message: 'must be an email address like name@example.com' });
  if (stage !== null && !STAGES.includes(stage as Stage))
    errors.push({ path: '/stage', message: `must be one of ${STAGES.join(', ')}` });
  if (errors.length) return refuse(422, errors.map((e) => `${e.path.slice(1)} ${e.message}`).join('; '), errors);
  return { ok: true, value: { name: name as string, email: email as string | null, stage: stage as Stage | null } };
};
