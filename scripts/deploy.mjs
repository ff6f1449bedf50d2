// `npm run deploy`: puts the Worker, its Durable Objects and its queue consumer on Cloudflare. wrangler must
// be logged in (`npx wrangler login`, or CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID set).
//   1. creates the queues wrangler.toml names (crm-events and its dead-letter queue crm-events-dlq) when missing,
//      since `wrangler deploy` does not;
//   2. runs `wrangler deploy` (further arguments go to it, e.g. `npm run deploy -- --env staging`);
//   3. says how to set the ADMIN_TOKEN secret when the deployed Worker has none.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const config = readFileSync('wrangler.toml', 'utf8');
const queues = [...new Set([...config.matchAll(/^\s*(?:queue|dead_letter_queue)\s*=\s*"([^"]+)"/gm)].map((m) => m[1]))];
const passThrough = process.argv.slice(2);

/** Runs wrangler and returns its output; stops the deploy with wrangler's own message when it fails. */
function wrangler(args, { show = false } = {}) {
  const run = spawnSync('wrangler', args, {
    encoding: 'utf8',
    stdio: show ? 'inherit' : 'pipe',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  if (run.error) fail(`could not run wrangler: ${run.error.message}`);
  if (run.status !== 0) {
    fail(`wrangler ${args.join(' ')} failed (exit ${run.status})\n${run.stdout ?? ''}${run.stderr ?? ''}`);
  }
  return run.stdout ?? '';
}

function fail(message) {
  console.error(message.trimEnd());
  process.exit(1);
}

/** Queue names in `wrangler queues list` (a table, one queue a row), every page. */
function existingQueues() {
  const names = new Set();
  for (let page = 1; page <= 50; page++) {
    const rows = wrangler(['queues', 'list', '--page', String(page)])
      .split('\n')
      .map((line) => line.split(/[│|]/).map((cell) => cell.trim()))
      .filter((cells) => cells.length > 3 && cells[1] && cells[1] !== 'id' && cells[2]);
    for (const cells of rows) names.add(cells[2]);
    if (rows.length === 0 || queues.every((q) => names.has(q))) break;
  }
  return names;
}

const existing = existingQueues();
for (const queue of queues) {
  if (existing.has(queue)) {
    console.log(`queue ${queue}: exists`);
  } else {
    console.log(`queue ${queue}: creating`);
    wrangler(['queues', 'create', queue], { show: true });
  }
}

wrangler(['deploy', ...passThrough], { show: true });

const envAt = passThrough.indexOf('--env');
const nameArgs = envAt >= 0 ? passThrough.slice(envAt, envAt + 2) : [];
const secrets = spawnSync('wrangler', ['secret', 'list', '--format', 'json', ...nameArgs], { encoding: 'utf8' });
let names = [];
try {
  names = JSON.parse(secrets.stdout).map((secret) => secret.name);
} catch {
  // unknown: say how to set it anyway
}
if (names.includes('ADMIN_TOKEN')) {
  console.log('\nADMIN_TOKEN is set. To rotate it: npx wrangler secret put ADMIN_TOKEN');
} else {
  console.log(`
The Worker has no ADMIN_TOKEN secret yet, so every tenant route answers 401. Set one, a long random value:

  openssl rand -hex 32 | npx wrangler secret put ADMIN_TOKEN${nameArgs.length ? ` ${nameArgs.join(' ')}` : ''}

(or run \`npx wrangler secret put ADMIN_TOKEN\` and paste it). Keep it safe: it manages every tenant and
creates their API keys.`);
}
