// `npm start`: serve the API locally on the embedded runtime (wrangler dev: workerd + SQLite + local
// queues), state kept under .wrangler/, the admin token read from .dev.vars.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, readFileSync } from 'node:fs';

if (!existsSync('.dev.vars')) {
  copyFileSync('.dev.vars.example', '.dev.vars');
  console.log('created .dev.vars from .dev.vars.example');
}
// Signed audit checkpoints need an Ed25519 key (PKCS #8, base64); a local one is made once.
if (!/^AUDIT_SIGNING_KEY=/m.test(readFileSync('.dev.vars', 'utf8'))) {
  const der = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' });
  appendFileSync('.dev.vars', `\nAUDIT_SIGNING_KEY=${der.toString('base64')}\n`);
  console.log('added a local AUDIT_SIGNING_KEY to .dev.vars');
}
const token = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync('.dev.vars', 'utf8'))?.[1]?.trim() ?? '<see .dev.vars>';
const base = 'http://127.0.0.1:8787';

console.log(`
Headless CRM on ${base} (state in .wrangler/state). A first call, once wrangler says Ready:

  curl -X POST ${base}/~acme/contacts \\
    -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' \\
    -d '{"name": "Alice Chen", "email": "alice@acme.dev", "stage": "Lead"}'

  curl ${base}/~acme/contacts?stage=Lead -H 'Authorization: Bearer ${token}'
`);

const child = spawn('wrangler', ['dev', '--ip', '127.0.0.1', '--port', '8787', '--persist-to', '.wrangler/state', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
