// A closed-loop HTTP load generator on loopback: `connections` keep-alive sockets, each sending its next
// request as soon as the previous answer is read, until `maxRequests` are sent or `maxMs` has passed.
import http from 'node:http';

/**
 * @param {object} o
 * @param {string | ((i: number) => string)} o.url  full URL of the route (or of the i-th request)
 * @param {string} [o.method]
 * @param {Record<string,string>} [o.headers]
 * @param {(i: number) => string | undefined} [o.body]  the i-th request's body (unique data per request)
 * @param {number} o.connections
 * @param {number} o.maxRequests
 * @param {number} o.maxMs
 * @returns {Promise<{requests: number, seconds: number, perSecond: number, statuses: Record<string, number>,
 *   p50Ms: number, p99Ms: number}>}
 */
export async function httpLoad({ url, method = 'GET', headers = {}, body, connections, maxRequests, maxMs }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const statuses = {};
  const latencies = [];
  let sent = 0;
  const started = performance.now();
  const deadline = started + maxMs;
  const loop = async () => {
    while (sent < maxRequests && performance.now() < deadline) {
      const i = sent++;
      const begun = performance.now();
      const status = await send(agent, typeof url === 'function' ? url(i) : url, method, headers, body?.(i));
      latencies.push(performance.now() - begun);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    requests: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    statuses,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

function send(agent, url, method, headers, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        agent,
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.on('data', () => {});
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
