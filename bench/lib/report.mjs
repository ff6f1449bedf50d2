// Collects the figures of a run, prints them as one table and writes them as JSON.
import { writeFileSync } from 'node:fs';

/** A target reads like `>= 10000` or `< 5`; a figure without one is informational. */
function meets(value, target) {
  const match = /^(>=|<=|>|<)\s*([\d.]+)$/.exec(target ?? '');
  if (!match) return null;
  const bound = Number(match[2]);
  return { '>=': value >= bound, '<=': value <= bound, '>': value > bound, '<': value < bound }[match[1]];
}

export class Report {
  rows = [];
  errors = [];

  /** Records one figure of `scenario`; `note` says how it was measured (rounds, spread, latency). */
  add(scenario, label, value, unit, target, note) {
    this.rows.push({
      scenario,
      label,
      value,
      unit,
      target: target ?? null,
      pass: meets(value, target),
      note: note ?? '',
    });
  }

  fail(scenario, error) {
    this.errors.push({ scenario, error: String(error?.stack ?? error) });
  }

  print() {
    const table = this.rows.map((r) => [
      r.label,
      format(r.value),
      r.unit,
      r.target ?? '',
      r.pass === null ? '' : r.pass ? 'ok' : 'MISS',
      r.note,
    ]);
    const head = ['figure', 'value', 'unit', 'target', '', 'how'];
    const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
    const line = (cells) =>
      cells
        .map((c, i) => (i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd();
    console.log(['', line(head), line(widths.map((w) => '-'.repeat(w))), ...table.map(line)].join('\n'));
    for (const e of this.errors) console.log(`\nFAILED ${e.scenario}: ${e.error}`);
  }

  write(path, meta) {
    writeFileSync(path, `${JSON.stringify({ ...meta, figures: this.rows, errors: this.errors }, null, 2)}\n`);
  }
}

function format(value) {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(Math.abs(value) >= 10 ? 1 : 2);
}
