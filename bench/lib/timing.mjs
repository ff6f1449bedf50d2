// Timing helpers. Timing happens here in Node, around calls into workerd: inside workerd Date.now()
// only advances at I/O, so a loop inside a Durable Object cannot time itself.

/** Runs `fn` once; answers its value and the wall-clock milliseconds it took. */
export async function time(fn) {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs the measurements of `contenders` in alternation, `rounds` times (a, b, a, b, …), so the shared
 * machine's load drifts over both alike; answers each contender's list of results in round order.
 * @template T
 * @param {number} rounds
 * @param {Record<string, () => Promise<T>>} contenders
 * @returns {Promise<Record<string, T[]>>}
 */
export async function interleave(rounds, contenders) {
  const results = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++)
    for (const [name, measure] of Object.entries(contenders)) results[name].push(await measure());
  return results;
}
