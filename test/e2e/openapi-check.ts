// Checks every answer an end-to-end test receives against the response schema the served OpenAPI
// document gives for its method, path and status (ajv, JSON Schema 2020-12).
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import { checkDatetime, checkLanguage, checkTimezone, checkUrl } from '../../domain/formats';

type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, any> }>>;
  components: Record<string, any>;
};

export interface Checked {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly errors: string | undefined;
  /** Whether a body schema was checked (204s and bodies the document leaves open are not). */
  readonly validated: boolean;
}

export function openApiChecker(doc: Doc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const ok = (check: (v: string) => string | undefined) => (v: string) => check(v) === undefined;
  ajv.addFormat('date-time', ok(checkDatetime));
  ajv.addFormat('timezone', ok(checkTimezone));
  ajv.addFormat('language', ok(checkLanguage));
  ajv.addFormat('uri', ok(checkUrl));
  ajv.addFormat('email', () => true);
  ajv.addSchema({ $id: 'openapi.json', components: doc.components });
  // Fixed segments before templated ones: /contacts/capture before /contacts/{id}.
  const routes = Object.keys(doc.paths)
    .map((p) => ({
      p,
      re: new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      params: (p.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.params - b.params);
  const compiled = new Map<string, ValidateFunction>();
  const seen: Checked[] = [];

  function schemaFor(path: string, method: string, status: number): { key: string; schema: unknown } | string {
    const route = routes.find((r) => r.re.test(path));
    if (!route) return `no documented path for ${path}`;
    const operation = doc.paths[route.p]![method.toLowerCase()];
    // Any documented path answers another method with the router's 405 problem (Allow lists the methods).
    if (!operation && status === 405)
      return { key: `405 ${route.p}`, schema: { $ref: '#/components/schemas/Problem' } };
    if (!operation) return `no ${method} on ${route.p}`;
    let answer = operation.responses[String(status)];
    if (!answer) return `${method} ${route.p} does not document ${status}`;
    if (answer.$ref) answer = doc.components['responses'][answer.$ref.split('/').pop()];
    const content = answer.content ?? {};
    const media = content['application/json'] ?? content['application/problem+json'];
    return { key: `${method} ${route.p} ${status}`, schema: media?.schema };
  }

  return {
    seen,
    /** A fetch that checks each answer's status and JSON body against the document. */
    wrap(inner: typeof fetch): typeof fetch {
      return (async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        const response = await inner(request);
        const path = new URL(request.url).pathname;
        const found = schemaFor(path, request.method, response.status);
        let errors: string | undefined;
        let validated = false;
        if (typeof found === 'string') errors = found;
        // Only JSON bodies are read: an SSE stream (text/event-stream) would never end.
        else if (found.schema && response.status !== 204 && /json/.test(response.headers.get('content-type') ?? '')) {
          validated = true;
          let validate = compiled.get(found.key);
          if (!validate)
            compiled.set(
              found.key,
              (validate = ajv.compile(
                JSON.parse(JSON.stringify(found.schema).replaceAll('"#/components', '"openapi.json#/components')),
              )),
            );
          const text = await response.clone().text();
          if (!validate(JSON.parse(text))) errors = `${found.key}: ${ajv.errorsText(validate.errors)}`;
        }
        seen.push({ method: request.method, path, status: response.status, errors, validated });
        return response;
      }) as typeof fetch;
    },
  };
}
