// The MCP server at POST /~t/mcp, driven by the official clients of both protocol generations
// (v1 @modelcontextprotocol/sdk, v2 @modelcontextprotocol/client) over Streamable HTTP, through the Worker.
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { aContact, aKey, created } from './builders';
import { ADMIN, aTenant, api } from './http';

const workerFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
  exports.default.fetch(new Request(input, init))) as typeof fetch;

interface ToolClient {
  listTools(): Promise<{ tools: { name: string; inputSchema: Record<string, any> }[] }>;
  callTool(request: { name: string; arguments: Record<string, unknown> }): Promise<Record<string, any>>;
  close(): Promise<void>;
}

async function connect(generation: 'v1' | 'v2', tenant: string, token = ADMIN): Promise<ToolClient> {
  const url = new URL(`http://crm.test/~${tenant}/mcp`);
  const requestInit = { headers: { authorization: `Bearer ${token}` } };
  if (generation === 'v1') {
    const client = new ClientV1({ name: 'test', version: '1.0.0' });
    await client.connect(new TransportV1(url, { fetch: workerFetch, requestInit }));
    return client as unknown as ToolClient;
  }
  const client = new ClientV2({ name: 'test', version: '1.0.0' });
  await client.connect(new TransportV2(url, { fetch: workerFetch, requestInit }));
  return client as unknown as ToolClient;
}

const structured = (result: Record<string, any>) => result['structuredContent'] as Record<string, any>;

for (const generation of ['v1', 'v2'] as const)
  describe(`MCP with the ${generation} client`, () => {
    it('lists three tools whose schemas are derived from the nouns', async () => {
      const client = await connect(generation, aTenant());
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['do', 'fetch', 'search']);
      const doTool = tools.find((t) => t.name === 'do')!;
      expect(doTool.inputSchema['properties']['type']['enum']).toEqual([
        'Contact',
        'Organization',
        'Lead',
        'Activity',
        'Deal',
        'Campaign',
      ]);
      const contactCreate = doTool.inputSchema['allOf'].find(
        (c: any) => c.if.properties.type?.const === 'Contact' && c.if.properties.verb?.const === 'create',
      );
      expect(contactCreate.then.properties.data.properties.stage.anyOf[0].enum).toEqual([
        'Lead',
        'Qualified',
        'Customer',
        'Churned',
        'Partner',
      ]);
      expect(contactCreate.then.properties.data.required).toEqual(['name']);
      await client.close();
    });

    it("runs the spec's MCP query through search", async () => {
      const tenant = aTenant();
      const low = await created(tenant, 'contacts', aContact({ stage: 'Lead', source: 'website' }));
      const high = await created(
        tenant,
        'contacts',
        aContact({ stage: 'Lead', source: 'website', title: 'CEO', phone: '+1 555', role: 'DecisionMaker' }),
      );
      await created(tenant, 'contacts', aContact({ stage: 'Lead', source: 'event' }));
      const client = await connect(generation, tenant);
      const result = await client.callTool({
        name: 'search',
        arguments: {
          type: 'Contact',
          filter: { stage: 'Lead', source: 'website' },
          sort: { leadScore: 'desc' },
          limit: 50,
        },
      });
      expect(result['isError']).toBeFalsy();
      expect(structured(result)['data'].map((c: any) => c.$id)).toEqual([high['$id'], low['$id']]);
      expect(JSON.parse(result['content'][0].text)).toEqual(structured(result));
      await client.close();
    });

    it('creates, qualifies and fetches through do and fetch', async () => {
      const tenant = aTenant();
      const client = await connect(generation, tenant);
      const made = await client.callTool({
        name: 'do',
        arguments: {
          type: 'Contact',
          verb: 'create',
          data: aContact({ stage: 'Lead', title: 'CEO', role: 'DecisionMaker', phone: '+1 555' }),
        },
      });
      expect(made['isError']).toBeFalsy();
      const id = structured(made)['$id'];
      const qualified = await client.callTool({ name: 'do', arguments: { type: 'Contact', verb: 'qualify', id } });
      expect(qualified['isError'], JSON.stringify(qualified)).toBeFalsy();
      expect(structured(qualified)['stage']).toBe('Qualified');
      const fetched = await client.callTool({
        name: 'fetch',
        arguments: { type: 'Contact', id, include: ['activities'] },
      });
      expect(structured(fetched)['stage']).toBe('Qualified');
      expect(structured(fetched)['activities'].map((a: any) => a.subject)).toEqual([
        expect.stringContaining('Follow up with'),
      ]);
      const batch = await client.callTool({
        name: 'do',
        arguments: {
          verb: 'batch',
          data: { atomic: true, operations: [{ type: 'Deal', verb: 'create', data: { name: 'D' } }] },
        },
      });
      expect(structured(batch)['results'][0].status).toBe(201);
      await client.close();
    });

    it('answers a refused call as a tool error carrying the problem', async () => {
      const tenant = aTenant();
      const client = await connect(generation, tenant);
      const refused = await client.callTool({
        name: 'do',
        arguments: { type: 'Contact', verb: 'create', data: { email: 'not-an-email' } },
      });
      expect(refused['isError']).toBe(true);
      expect(structured(refused)).toMatchObject({ status: 422, title: 'Unprocessable content' });
      expect(structured(refused)['errors']).toEqual(
        expect.arrayContaining([
          { path: '/name', message: 'is required' },
          { path: '/email', message: expect.stringContaining('email address') },
        ]),
      );
      expect(refused['content'][0].text).toMatch(/^422 Unprocessable content: invalid Contact\n/);
      const missing = await client.callTool({
        name: 'fetch',
        arguments: { type: 'Contact', id: 'contact_01J00000000000000000000000' },
      });
      expect(missing['isError']).toBe(true);
      expect(structured(missing)).toMatchObject({ status: 404, title: 'Not found' });
      const noVerb = await client.callTool({
        name: 'do',
        arguments: { type: 'Deal', verb: 'qualify', id: 'deal_01J00000000000000000000000' },
      });
      expect(noVerb['isError']).toBe(true);
      expect(structured(noVerb)['status']).toBe(404);
      await client.close();
    });

    it('refuses do to a read key and lets it search', async () => {
      const tenant = aTenant();
      const { key } = await aKey(tenant, ['read']);
      const client = await connect(generation, tenant, key);
      const refused = await client.callTool({
        name: 'do',
        arguments: { type: 'Contact', verb: 'create', data: aContact() },
      });
      expect(refused['isError']).toBe(true);
      expect(structured(refused)['status']).toBe(403);
      const listed = await client.callTool({ name: 'search', arguments: { type: 'Contact' } });
      expect(structured(listed)).toEqual({ data: [], next: null });
      await client.close();
    });
  });

describe('POST /~t/mcp without a valid credential', () => {
  it('answers 401 before any MCP exchange', async () => {
    const response = await api(`/~${aTenant()}/mcp`, {
      token: null,
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      headers: { accept: 'application/json, text/event-stream' },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });
});
