// The official MCP clients, both protocol generations, against `wrangler dev`: initialize, tools/list,
// the spec's MCP query through search, a qualify through do, a refused call, a read key refused on do.
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiChecker } from './openapi-check';
import { E2E_ADMIN_TOKEN, startWranglerDev } from './wrangler-dev';

let server: Awaited<ReturnType<typeof startWranglerDev>>;
let checker: ReturnType<typeof openApiChecker>;
beforeAll(async () => {
  server = await startWranglerDev();
  checker = openApiChecker(await (await fetch(`${server.url}/openapi.json`)).json());
});
afterAll(async () => server?.stop());

const rest = async (tenant: string, path: string, body?: unknown, token = E2E_ADMIN_TOKEN) => {
  const response = await checker.wrap(fetch)(`${server.url}/~${tenant}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as Record<string, any>;
};

type Tools = {
  listTools(): Promise<{ tools: { name: string; inputSchema: Record<string, any> }[] }>;
  callTool(r: { name: string; arguments: Record<string, unknown> }): Promise<Record<string, any>>;
  close(): Promise<void>;
  getServerVersion(): { name: string } | undefined;
};

async function connect(generation: 'v1' | 'v2', tenant: string, token = E2E_ADMIN_TOKEN): Promise<Tools> {
  const url = new URL(`${server.url}/~${tenant}/mcp`);
  const requestInit = { headers: { authorization: `Bearer ${token}` } };
  const client =
    generation === 'v1'
      ? new ClientV1({ name: 'e2e', version: '1.0.0' })
      : new ClientV2({ name: 'e2e', version: '1.0.0' });
  const checked = checker.wrap(fetch);
  const transport =
    generation === 'v1'
      ? new TransportV1(url, { requestInit, fetch: checked })
      : new TransportV2(url, { requestInit, fetch: checked });
  await (client as unknown as { connect(t: unknown): Promise<void> }).connect(transport);
  return client as unknown as Tools;
}

let n = 0;
const tenantName = () => `mcp-${Date.now().toString(36)}-${++n}`;

for (const generation of ['v1', 'v2'] as const)
  describe(`MCP over wrangler dev, ${generation} client`, () => {
    it('initializes and lists the three tools with schemas derived from the nouns', async () => {
      const client = await connect(generation, tenantName());
      expect(client.getServerVersion()?.name).toBe('headless-crm');
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['do', 'fetch', 'search']);
      const search = tools.find((t) => t.name === 'search')!;
      const contactFilter = search.inputSchema['allOf'].find((c: any) => c.if.properties.type.const === 'Contact');
      expect(contactFilter.then.properties.filter.propertyNames.enum).toEqual(
        expect.arrayContaining(['stage', 'source', 'leadScore']),
      );
      await client.close();
    });

    it("runs the spec's MCP query, a qualify through do, and refuses a bad call with the problem", async () => {
      const tenant = tenantName();
      const lead = await rest(tenant, '/contacts', {
        name: 'Alice Chen',
        email: 'alice@acme.dev',
        stage: 'Lead',
        source: 'website',
        title: 'CEO',
        role: 'DecisionMaker',
        phone: '1',
      });
      await rest(tenant, '/contacts', { name: 'Bob', email: 'bob@x.dev', stage: 'Lead', source: 'event' });
      const client = await connect(generation, tenant);
      const found = await client.callTool({
        name: 'search',
        arguments: {
          type: 'Contact',
          filter: { stage: 'Lead', source: 'website' },
          sort: { leadScore: 'desc' },
          limit: 50,
        },
      });
      expect(found['structuredContent'].data.map((c: any) => c.$id)).toEqual([lead['$id']]);
      const byText = await client.callTool({ name: 'search', arguments: { type: 'Contact', query: 'chen' } });
      expect(byText['structuredContent'].data.map((c: any) => c.name)).toEqual(['Alice Chen']);
      const qualified = await client.callTool({
        name: 'do',
        arguments: { type: 'Contact', verb: 'qualify', id: lead['$id'] },
      });
      expect(qualified['isError']).toBeFalsy();
      expect(qualified['structuredContent'].stage).toBe('Qualified');
      const refused = await client.callTool({
        name: 'do',
        arguments: { type: 'Contact', verb: 'qualify', id: lead['$id'] },
      });
      expect(refused['isError']).toBe(true);
      expect(refused['structuredContent']).toMatchObject({ status: 409, title: 'Invalid stage transition' });
      expect(refused['content'][0].text).toMatch(/^409 Invalid stage transition: /);
      await client.close();
    });

    it('refuses do to a read key with 403 and lets it fetch', async () => {
      const tenant = tenantName();
      const contact = await rest(tenant, '/contacts', { name: 'Ann' });
      const key = (await rest(tenant, '/keys', { name: 'reader', scopes: ['read'] }))['key'] as string;
      const client = await connect(generation, tenant, key);
      const refused = await client.callTool({
        name: 'do',
        arguments: { type: 'Contact', verb: 'delete', id: contact['$id'] },
      });
      expect(refused['isError']).toBe(true);
      expect(refused['structuredContent']['status']).toBe(403);
      const fetched = await client.callTool({ name: 'fetch', arguments: { type: 'Contact', id: contact['$id'] } });
      expect(fetched['structuredContent']['name']).toBe('Ann');
      await client.close();
    });
  });

describe('every answer of this suite', () => {
  it('matches the OpenAPI document', () => {
    expect(checker.seen.filter((s) => s.validated).length).toBeGreaterThan(10);
    expect(checker.seen.filter((s) => s.errors)).toEqual([]);
  });
});
