// MCP `fetch` (issue 11) beside the REST GET it stands for: the same contact, one connection, rounds
// alternating. The MCP call is parsed by the MCP server and run through the REST route, so the ratio
// is what the protocol layer costs per read.
const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-06-18',
};

export default {
  name: 'MCP fetch vs REST GET',
  async run(ctx) {
    const tenant = ctx.tenant('mcp');
    const [rounds, roundMs] = ctx.scale([6, 1_500], [1, 400]);
    const created = await ctx.api(`/~${tenant}/contacts`, {
      body: { name: 'Alice Chen', email: 'alice@acme.dev', stage: 'Lead' },
    });
    const id = created.body.$id;
    const rpc = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'fetch', arguments: { type: 'Contact', id } },
    });
    const probe = await fetch(`${ctx.baseUrl}/~${tenant}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${ctx.adminToken}` },
      body: rpc,
    });
    const answer = await probe.json();
    if (answer.result?.structuredContent?.$id !== id) throw new Error(`MCP fetch answered ${JSON.stringify(answer)}`);
    const rest = (ms) =>
      ctx.load({ path: `/~${tenant}/contacts/${id}`, admin: true, connections: 1, maxRequests: 100_000, maxMs: ms });
    const mcp = (ms) =>
      ctx.load({
        path: `/~${tenant}/mcp`,
        method: 'POST',
        admin: true,
        headers: MCP_HEADERS,
        body: () => rpc,
        connections: 1,
        maxRequests: 100_000,
        maxMs: ms,
      });
    await rest(300);
    await mcp(300);
    const runs = await ctx.interleave(rounds, { rest: () => rest(roundMs), mcp: () => mcp(roundMs) });
    for (const r of [...runs.rest, ...runs.mcp])
      if (Object.keys(r.statuses).some((s) => s !== '200')) throw new Error(`statuses ${JSON.stringify(r.statuses)}`);
    const p50 = (rs) => ctx.median(rs.map((r) => r.p50Ms));
    const how = `median p50 of ${rounds} × ${roundMs / 1000} s, one connection`;
    ctx.report('REST GET /~t/contacts/{id} round trip', p50(runs.rest), 'ms', undefined, how);
    ctx.report('MCP fetch of the same contact round trip', p50(runs.mcp), 'ms', undefined, how);
    ctx.report(
      'MCP fetch / REST GET',
      p50(runs.mcp) / p50(runs.rest),
      'ratio',
      undefined,
      `${how}; ${ctx.median(runs.mcp.map((r) => r.perSecond)).toFixed(0)} vs ` +
        `${ctx.median(runs.rest.map((r) => r.perSecond)).toFixed(0)} req/s`,
    );
  },
};
