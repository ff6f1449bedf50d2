// What every scenario's run(ctx) receives: the runtime, request helpers, timing and the report.
import { httpLoad } from './http-load.mjs';
import { interleave, median, time } from './timing.mjs';

let tenants = 0;

/** The contact the HTTP create loads send: the n-th is unique by email. */
export const aBenchContact = (n) => ({
  name: `Http Bench ${n}`,
  email: `http-${n}@example.com`,
  stage: 'Lead',
  title: 'VP Sales',
});

export function makeContext({ mf, baseUrl, routedUrl, adminToken, quick, report, scenario, stateParent }) {
  const auth = { authorization: `Bearer ${adminToken}` };
  const created = new Map();
  return {
    mf,
    baseUrl,
    routedUrl,
    adminToken,
    quick,
    stateParent,
    /** The size to use: `full` in a real run, `smoke` under --quick. */
    scale: (full, smoke) => (quick ? smoke : full),
    /** A fresh tenant (a fresh TenantLog) for this scenario. */
    tenant: (prefix = 'bench') => `${prefix}-${process.pid}-${++tenants}`,
    /** Calls the public API as the admin; answers status and parsed JSON. For setup, not for timing. */
    async api(path, { method, body } = {}) {
      const init = {
        method: method ?? (body === undefined ? 'GET' : 'POST'),
        headers: { ...auth, 'content-type': 'application/json' },
      };
      const response = await fetch(
        `${baseUrl}${path}`,
        body === undefined ? init : { ...init, body: JSON.stringify(body) },
      );
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
    /** Calls a `bench*` method of the tenant's BenchTenantLog (bench/bench-tenant-log.ts) with `args`. */
    callDO: (tenant, method, ...args) => callObject(baseUrl, 'TENANT_LOG', tenant, method, args),
    /** The same for any Durable Object binding whose class bench/worker.ts gives `bench*` methods. */
    callObject: (binding, name, method, ...args) => callObject(baseUrl, binding, name, method, args),
    /** httpLoad with a path instead of a URL; `admin: true` adds the admin token. */
    load: ({ path, admin = false, headers = {}, ...rest }) =>
      httpLoad({ url: `${baseUrl}${path}`, headers: admin ? { ...auth, ...headers } : headers, ...rest }),
    /**
     * Closed-loop creates of contacts as the admin; `contact(n)` makes the n-th body, n counted per tenant
     * across calls so emails stay unique.
     */
    createContacts: ({ tenant, contact, connections, maxMs, maxRequests = 200_000 }) => {
      const body = () => {
        const n = (created.get(tenant) ?? 0) + 1;
        created.set(tenant, n);
        return JSON.stringify(contact(n));
      };
      const headers = { ...auth, 'content-type': 'application/json' };
      const url = `${baseUrl}/~${tenant}/contacts`;
      return httpLoad({ url, method: 'POST', headers, body, connections, maxRequests, maxMs });
    },
    time,
    median,
    interleave,
    /** One figure: `target` like '>= 10000' or '< 5' (optional), `note` says how it was measured. */
    report: (label, value, unit, target, note) => report.add(scenario, label, value, unit, target, note),
    log: (...parts) => console.error(`  [${scenario}]`, ...parts),
  };
}

async function callObject(baseUrl, binding, name, method, args) {
  const response = await fetch(`${baseUrl}/__bench/do/${binding}/${name}/${method}`, {
    method: 'POST',
    body: JSON.stringify(args),
  });
  if (!response.ok) throw new Error(`${binding} ${name}.${method}: ${response.status} ${await response.text()}`);
  return response.json();
}
