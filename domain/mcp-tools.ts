// The three MCP tools (search, fetch, do) with input schemas read off the nouns by the one emitter.
// Pure: the Worker's MCP route serves these and runs each call through the REST routes.
import { fieldLists } from './field-lists';
import { jsonSchemaOf, verbBodySchema, verbsOf, type JsonSchema } from './json-schema';
import type { NounSchema } from './noun';
import { NOUNS } from './nouns';

export interface ToolDefinition {
  readonly name: 'search' | 'fetch' | 'do';
  readonly title: string;
  readonly description: string;
  readonly inputSchema: JsonSchema & { readonly type: 'object' };
  readonly annotations: Readonly<Record<string, boolean | string>>;
}

const FILTER_OPS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists'];
const SYSTEM_FIELDS = ['$id', '$createdAt', '$updatedAt'];
const nounNames = NOUNS.map((n) => n.name);

const storedFields = (noun: NounSchema) =>
  Object.entries(noun.fields)
    .filter(([, f]) => f.kind !== 'inverse')
    .map(([k]) => k);
const relatedFields = (noun: NounSchema) => fieldLists(noun).includable;

/** `if type is N then …`: the part of a tool's arguments that depends on the noun. */
function perNoun(then: (noun: NounSchema) => JsonSchema): JsonSchema[] {
  return NOUNS.map((noun) => ({
    if: { properties: { type: { const: noun.name } }, required: ['type'] },
    then: then(noun),
  }));
}

const scalarOrList = {
  anyOf: [
    { type: ['string', 'number', 'boolean'] },
    { type: 'array', items: { type: ['string', 'number', 'boolean'] } },
  ],
};

function searchTool(): ToolDefinition {
  return {
    name: 'search',
    title: 'Search a collection',
    description:
      'List entities of one noun from the read model: filter by field ' +
      '(value, or {$eq $ne $gt $gte $lt $lte $in $nin $exists}), ' +
      'sort ({field: "asc"|"desc"}), page with limit and the cursor of the previous answer; `query` is full-text ' +
      '(names, emails, titles; prefix matching, accents ignored, ranked). Answers {data, next}.',
    inputSchema: {
      type: 'object',
      properties: {
        type: { type: 'string', enum: nounNames },
        filter: {
          type: 'object',
          additionalProperties: { anyOf: [scalarOrList, { type: 'object', propertyNames: { enum: FILTER_OPS } }] },
        },
        sort: { type: 'object', additionalProperties: { enum: ['asc', 'desc'] } },
        limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
        cursor: { type: 'string' },
        query: {
          type: 'string',
          maxLength: 200,
          description: 'full-text search words; the last one matches as a prefix',
        },
      },
      required: ['type'],
      additionalProperties: false,
      allOf: perNoun((noun) => ({
        properties: {
          filter: { propertyNames: { enum: [...storedFields(noun), ...SYSTEM_FIELDS] } },
          sort: { propertyNames: { enum: [...storedFields(noun), ...SYSTEM_FIELDS] } },
        },
      })),
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  };
}

function fetchTool(): ToolDefinition {
  return {
    name: 'fetch',
    title: 'Fetch one entity',
    description:
      'Read one entity by id from the log (strongly consistent). `include` adds related entities ' +
      '(references and inverses, e.g. organization, leads, activities); ' +
      '`asOf` reads the past (a seq or an ISO date-time).',
    inputSchema: {
      type: 'object',
      properties: {
        type: { type: 'string', enum: nounNames },
        id: { type: 'string', minLength: 1 },
        include: { type: 'array', items: { type: 'string' } },
        asOf: {
          anyOf: [
            { type: 'integer', minimum: 0 },
            { type: 'string', format: 'date-time' },
          ],
        },
      },
      required: ['type', 'id'],
      additionalProperties: false,
      allOf: perNoun((noun) => ({ properties: { include: { items: { enum: relatedFields(noun) } } } })),
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  };
}

function doTool(): ToolDefinition {
  const verbs = [...new Set(NOUNS.flatMap(verbsOf)), 'batch'];
  const cases = NOUNS.flatMap((noun) =>
    verbsOf(noun).map((verb) => ({
      if: { properties: { type: { const: noun.name }, verb: { const: verb } }, required: ['type', 'verb'] },
      then: {
        properties: { data: verbBodySchema(noun, verb) },
        ...(verb === 'create' || verb === 'capture' ? {} : { required: ['id'] }),
      },
    })),
  );
  const operation = {
    type: 'object',
    properties: {
      type: { enum: nounNames },
      verb: { type: 'string' },
      id: { type: 'string' },
      data: { type: 'object' },
    },
    required: ['type', 'verb'],
    additionalProperties: false,
  };
  return {
    name: 'do',
    title: 'Run a verb',
    description:
      'Write through a verb of a noun: create, update (partial, null clears), delete, and the declared verbs ' +
      '(Contact: qualify, capture, assign {owner}, merge {sources}, enrich {data, source, overwrite?}). ' +
      '`id` names the entity (not for create or capture). ' +
      'verb "batch" takes data {operations: [{type, verb, id?, data}], atomic?}. ' +
      'A refusal is an error result carrying the problem (status, detail, field errors).',
    inputSchema: {
      type: 'object',
      properties: {
        type: { type: 'string', enum: nounNames },
        verb: { type: 'string', enum: verbs },
        id: { type: 'string', minLength: 1 },
        data: { type: 'object' },
      },
      required: ['verb'],
      additionalProperties: false,
      allOf: [
        ...cases,
        {
          if: { properties: { verb: { const: 'batch' } }, required: ['verb'] },
          then: {
            properties: {
              data: {
                type: 'object',
                properties: {
                  operations: { type: 'array', items: operation, minItems: 1, maxItems: 1000 },
                  atomic: { type: 'boolean' },
                },
                required: ['operations'],
                additionalProperties: false,
              },
            },
            required: ['data'],
          },
          else: { required: ['type'] },
        },
      ],
    },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  };
}

export const MCP_TOOLS: readonly ToolDefinition[] = [searchTool(), fetchTool(), doTool()];

/** A representation schema per noun, for tools' answers and the OpenAPI document. */
export const representationSchemas = (): Record<string, JsonSchema> =>
  Object.fromEntries(NOUNS.map((n) => [n.name, jsonSchemaOf(n, 'representation')]));
