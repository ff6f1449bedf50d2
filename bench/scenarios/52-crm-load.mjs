// Issue 10: `crm load contacts.csv`, the CLI as a user runs it, against the local runtime: rows/s of
// capture batches (deduplicated by email), 100,000 contacts from CSV.
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';

export default {
  name: 'replay: crm load from CSV',
  async run(ctx) {
    const rows = ctx.scale(100_000, 2_000);
    const file = `.bench/contacts-${rows}.csv`;
    let csv = 'name,email,title,source\n';
    for (let i = 0; i < rows; i++) csv += `"Person ${i}",person${i}@load.example,Engineer,bench\n`;
    writeFileSync(file, csv);
    const tenant = ctx.tenant('load');
    const { ms, value } = await ctx.time(
      () =>
        new Promise((resolve, reject) =>
          execFile(
            process.execPath,
            [
              'cli/crm.mjs',
              'load',
              file,
              '--json',
              '--url',
              ctx.baseUrl,
              '--tenant',
              tenant,
              '--token',
              ctx.adminToken,
            ],
            { maxBuffer: 1 << 26 },
            (error, stdout, stderr) => (error && !stdout ? reject(new Error(stderr)) : resolve(JSON.parse(stdout))),
          ),
        ),
    );
    rmSync(file, { force: true });
    if (value.created !== rows)
      throw new Error(`crm load created ${value.created} of ${rows}: ${JSON.stringify(value.refused.slice(0, 3))}`);
    ctx.report(
      'crm load (CSV → capture batches)',
      rows / (ms / 1000),
      'rows/s',
      undefined,
      `${rows.toLocaleString('en-US')} contacts, one run`,
    );
  },
};
