// The `crm` CLI against files and a local server (wrangler dev): export, verify (with a checkpoint),
// replay, import, load, tail (live over SSE, resuming across a cut connection), and the exit codes of a
// broken file, a wrong token and an unreachable server.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crm, send, SIGNING_KEY } from './cli-helpers';
import { E2E_ADMIN_TOKEN, startWranglerDev, type WranglerDev } from './wrangler-dev';

let dev: WranglerDev;
let dir: string;
let env: Record<string, string>;
let exportFile: string;
let contactId: string;
/** The seq of the last seeded event (the server may add Scored events of its own). */
let head: number;

const lines = (text: string) => text.split('\n').filter(Boolean);
const rewrite = (name: string, edit: (ls: string[]) => string[]) => {
  const path = join(dir, name);
  writeFileSync(path, `${edit(lines(readFileSync(exportFile, 'utf8'))).join('\n')}\n`);
  return path;
};

beforeAll(async () => {
  dev = await startWranglerDev({ vars: { AUDIT_SIGNING_KEY: SIGNING_KEY } });
  dir = mkdtempSync(join(tmpdir(), 'crm-cli-'));
  env = { CRM_URL: dev.url, CRM_TENANT: 'acme', CRM_TOKEN: E2E_ADMIN_TOKEN };
  const created = (await (
    await send(dev.url, '/~acme/contacts', { name: 'Ada Lovelace', email: 'ada@example.com', stage: 'Lead' })
  ).json()) as { $id: string };
  contactId = created.$id;
  await fetch(`${dev.url}/~acme/contacts/${contactId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Countess' }),
  });
  await send(dev.url, '/~acme/contacts', { name: 'Charles Babbage', email: 'charles@example.com' });
  exportFile = join(dir, 'acme.ndjson');
  head = Number((await send(dev.url, '/~acme/events?after=0')).headers.get('x-event-seq'));
});

afterAll(async () => {
  await dev?.stop();
});

describe('crm export and verify', () => {
  it('exports the log and verifies it offline, with a summary', async () => {
    const exported = await crm(['export', '-o', exportFile, '--json'], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ ok: true, events: head });
    const verified = await crm(['verify', exportFile]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(new RegExp(`^ok: ${head} events, head seq ${head} hash [0-9a-f]{64}`));
    expect(verified.stdout).toMatch(/Contact\s+2 live\s+2 in all/);
    expect(JSON.parse((await crm(['verify', exportFile, '--json'])).stdout)).toMatchObject({
      ok: true,
      events: head,
      head: { seq: head },
      entities: { Contact: { live: 2 } },
    });
  });

  const tampered: [string, (ls: string[]) => string[], RegExp][] = [
    [
      'changed data',
      (ls) => ls.map((l, i) => (i === 1 ? l.replace('Countess', 'Duchess') : l)),
      /^broken at seq 2: data does not match datahash/,
    ],
    ['a removed event', (ls) => ls.filter((_, i) => i !== 1), /^broken at seq 2: expected seq 2, found 3/],
    ['two events swapped', (ls) => [ls[0]!, ls[2]!, ls[1]!], /^broken at seq 2: expected seq 2, found 3/],
  ];
  for (const [what, edit, message] of tampered) {
    it(`exits 1 on ${what}, naming the seq (one thread, and worker threads by byte ranges)`, async () => {
      const file = rewrite(`${what}.ndjson`, edit);
      for (const threads of ['1', '2', '3']) {
        const run = await crm(['verify', file, '--threads', threads]);
        expect(run.code, `--threads ${threads}`).toBe(1);
        expect(run.stderr, `--threads ${threads}`).toMatch(message);
      }
    });
  }

  it('verifies with worker threads as with one', async () => {
    for (const threads of ['2', '3', '5']) {
      const run = await crm(['verify', exportFile, '--threads', threads, '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        ok: true,
        events: head,
        head: { seq: head },
        entities: { Contact: { live: 2 } },
      });
    }
  });

  it('proves an export extends a checkpoint, and catches a truncated one', async () => {
    const cp = join(dir, 'cp.json');
    const saved = await crm(['checkpoint', '-o', cp], env);
    expect(saved.code, saved.stderr).toBe(0);
    expect(JSON.parse(readFileSync(cp, 'utf8'))).toMatchObject({
      tenant: 'acme',
      seq: head,
      publicKey: { kty: 'OKP' },
    });
    await send(dev.url, '/~acme/contacts', { name: 'Grace Hopper', email: 'grace@example.com' });
    const later = join(dir, 'later.ndjson');
    expect((await crm(['export', '-o', later], env)).code).toBe(0);
    const extended = await crm(['verify', later, '--checkpoint', cp]);
    expect(extended.code, extended.stderr).toBe(0);
    expect(extended.stdout).toContain(`checkpoint seq ${head} matches and its signature verifies`);
    const truncated = await crm(['verify', rewrite('truncated.ndjson', (ls) => ls.slice(0, 2)), '--checkpoint', cp]);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toContain(`broken at seq 3: the file ends at seq 2, before the checkpoint's seq ${head}`);
    const forged = join(dir, 'forged-cp.json');
    writeFileSync(
      forged,
      JSON.stringify({ ...JSON.parse(readFileSync(cp, 'utf8')), time: '2020-01-01T00:00:00.000Z' }),
    );
    const refused = await crm(['verify', later, '--checkpoint', forged]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/signature does not verify/);
  });
});

describe('crm replay', () => {
  it('prints an entity as of a seq', async () => {
    const run = await crm(['replay', exportFile, '--until', '1', '--id', contactId]);
    expect(run.code, run.stderr).toBe(0);
    const state = JSON.parse(run.stdout);
    expect(state).toMatchObject({ $id: contactId, $version: 1, name: 'Ada Lovelace' });
    expect(state.title).toBeUndefined();
    expect(JSON.parse((await crm(['replay', exportFile, '--until', '2', '--id', contactId])).stdout).title).toBe(
      'Countess',
    );
  });
});

describe('crm import', () => {
  it('restores into an empty tenant; its export is the same bytes', async () => {
    const run = await crm(['import', exportFile, '--tenant', 'acme-copy'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^imported ${head} events`));
    const again = join(dir, 'copy.ndjson');
    expect((await crm(['export', '-o', again, '--tenant', 'acme-copy'], env)).code).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(exportFile, 'utf8'));
  });

  it('exits 1 on a broken file, naming the seq, and imports nothing', async () => {
    const run = await crm(
      ['import', rewrite('broken-import.ndjson', (ls) => ls.filter((_, i) => i !== 1)), '--tenant', 'acme-broken'],
      env,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/import refused at seq 2: expected seq 2, found 3/);
    const events = (await (await send(dev.url, '/~acme-broken/events')).json()) as { data: unknown[] };
    expect(events.data).toEqual([]);
  });
});

describe('crm load', () => {
  it('captures contacts from CSV, deduplicated by email, and reports refused rows', async () => {
    const csv = join(dir, 'contacts.csv');
    writeFileSync(
      csv,
      'name,email,title\n"Lin, Mei",mei@example.com,CTO\nMei Lin,MEI@example.com,\n' +
        'No Email,,\nBad Email,not-an-email,\n',
    );
    const run = await crm(['load', csv, '--tenant', 'acme-load', '--json'], env);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ rows: 4, created: 1, matched: 1 });
    expect(report.refused.map((r: { row: number }) => r.row)).toEqual([4, 5]);
    expect(run.code).toBe(1);
  });
});

describe('crm tail', () => {
  /** Runs `crm tail` in the background; `out` is what it printed so far. */
  function tailing(args: string[], extra: Record<string, string> = {}) {
    const child = spawn(process.execPath, ['cli/crm.mjs', 'tail', ...args], {
      env: { ...process.env, ...env, ...extra },
    });
    const run = { out: '', err: '', child, exited: new Promise<number | null>((r) => child.once('exit', r)) };
    child.stdout.on('data', (chunk: Buffer) => (run.out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (run.err += chunk.toString()));
    return run;
  }
  const waitFor = async (check: () => boolean, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };

  it('follows the log over SSE, filtered by type, until interrupted', async () => {
    const run = tailing(['--types', 'Contact.Created']);
    await send(dev.url, '/~acme/contacts', { name: 'Alan Turing', email: 'alan@example.com' });
    await waitFor(() => run.out.includes('Alan Turing'));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    const events = lines(run.out).map((l) => JSON.parse(l) as { type: string; data: { name: string } });
    expect(events.map((e) => e.data.name)).toContain('Alan Turing');
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['Contact.Created']));
  });

  it('prints live events as they commit, once each, resuming with Last-Event-ID after a cut connection', async () => {
    // A proxy in front of wrangler dev that breaks the first stream off in the middle of its third event.
    const lastEventIds: (string | undefined)[] = [];
    const proxy = createServer(async (request, response) => {
      if (request.url?.includes('/events/stream'))
        lastEventIds.push(request.headers['last-event-id'] as string | undefined);
      const cut = lastEventIds.length === 1;
      const gone = new AbortController();
      response.once('close', () => gone.abort());
      try {
        const upstream = await fetch(`${dev.url}${request.url}`, {
          signal: gone.signal,
          headers: Object.fromEntries(
            Object.entries(request.headers).filter(([k]) => ['authorization', 'accept', 'last-event-id'].includes(k)),
          ) as Record<string, string>,
        });
        response.writeHead(upstream.status, Object.fromEntries(upstream.headers));
        let text = '';
        for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
          const piece = Buffer.from(chunk).toString();
          text += piece;
          const third = [...text.matchAll(/^id: /gm)][2];
          if (cut && third) {
            response.write(text.slice(text.length - piece.length, third.index + 8));
            response.destroy();
            return;
          }
          response.write(chunk);
        }
        response.end();
      } catch {
        response.destroy();
      }
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const from = Number((await send(dev.url, '/~acme/events?after=0')).headers.get('x-event-seq'));
      const run = tailing(['--after', String(from), '--types', 'Contact.*'], { CRM_URL: proxyUrl });
      await waitFor(() => lastEventIds.length === 1);
      const names = ['Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth', 'Frances Allen'];
      for (const name of names) {
        const email = `${name.split(' ')[0]!.toLowerCase()}@tail.example`;
        const made = await send(dev.url, '/~acme/contacts', { name, email });
        expect(made.status).toBe(201);
        await new Promise((r) => setTimeout(r, 150));
      }
      await waitFor(() => names.every((n) => run.out.includes(n)));
      await new Promise((r) => setTimeout(r, 300));
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      const events = lines(run.out).map((l) => JSON.parse(l) as { seq: number; type: string; data: { name: string } });
      const seqs = events.map((e) => e.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
      expect(seqs[0]).toBeGreaterThan(from);
      expect(events.filter((e) => e.type === 'Contact.Created').map((e) => e.data.name)).toEqual(names);
      expect(lastEventIds.length).toBeGreaterThanOrEqual(2);
      expect(lastEventIds[0]).toBeUndefined();
      expect(lastEventIds[1]).toBe(String(seqs[1]));
      expect(run.err).toMatch(/connection lost .*; resuming after seq/);
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });

  it('exits 1 on a refused token or a bad type pattern, 2 on an unreachable server', async () => {
    const wrong = await crm(['tail'], { ...env, CRM_TOKEN: 'not-a-token' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused the token \(401\)/);
    const bad = await crm(['tail', '--types', 'not a pattern'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^crm: 400 .*type pattern/);
    const unreachable = await crm(['tail'], { ...env, CRM_URL: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});

describe('crm, failing clearly', () => {
  it('answers --help on each command', async () => {
    for (const command of ['export', 'import', 'verify', 'replay', 'checkpoint', 'load', 'tail']) {
      const run = await crm([command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^crm ${command}`));
    }
    const unknown = await crm(['frobnicate']);
    expect(unknown.code).toBe(2);
  });

  it('exits 1 on a wrong token, 2 on an unreachable server or missing settings', async () => {
    const wrong = await crm(['export'], { ...env, CRM_TOKEN: 'not-a-token' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused the token \(401\)/);
    const unreachable = await crm(['checkpoint'], { ...env, CRM_URL: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
    const missing = await crm(['export'], { CRM_URL: '', CRM_TENANT: '', CRM_TOKEN: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing --url/);
    const noFile = await crm(['verify', join(dir, 'absent.ndjson')]);
    expect(noFile.code).toBe(2);
  });
});
