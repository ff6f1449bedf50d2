// `npm start`: serve the API locally on the embedded runtime (wrangler dev: workerd + SQLite + local
// queues), state kept under .wrangler/, the admin token read from .dev.vars. PORT and PERSIST_TO change the
// port (8787) and the state folder (.wrangler/state); further arguments go to `wrangler dev`.
//
// wrangler runs in its own process group, and SIGINT, SIGTERM or SIGHUP to this script stops the whole group
// (wrangler, workerd, esbuild): closing the terminal or `kill <pid>` leaves nothing answering on the port.
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
const port = process.env.PORT || '8787';
const state = process.env.PERSIST_TO || '.wrangler/state';
const base = `http://127.0.0.1:${port}`;

console.log(`
Headless CRM on ${base} (state in ${state}). A first call, once wrangler says Ready:

  curl -X POST ${base}/~acme/contacts \\
    -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' \\
    -d '{"name": "Alice Chen", "email": "alice@acme.dev", "stage": "Lead"}'

  curl ${base}/~acme/contacts?stage=Lead -H 'Authorization: Bearer ${token}'

Stop with Ctrl-C.
`);

// Its own process group (detached), so one signal reaches all of it. It reads no terminal input: a background
// group that read the terminal would be stopped by the kernel (SIGTTIN).
const args = ['dev', '--ip', '127.0.0.1', '--port', port, '--persist-to', state];
args.push('--show-interactive-dev-session=false');
const child = spawn('wrangler', [...args, ...process.argv.slice(2)], {
  detached: true,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
});

const signalGroup = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
};

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    signalGroup('SIGTERM');
    // wrangler normally stops workerd and exits at once; whatever is left after 5 s is killed.
    setTimeout(() => signalGroup('SIGKILL'), 5_000).unref();
  });
}
child.on('error', (error) => {
  console.error(`could not run wrangler: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code) => {
  signalGroup('SIGKILL'); // a workerd that outlived wrangler
  process.exit(stopping ? 0 : (code ?? 1));
});
