// Structured logs: one JSON object a line, which Workers Logs ([observability] in wrangler.toml) indexes
// field by field. `warn` is for failures the code expects and retries (a queue send, a catch-up): their
// message is enough. `error` is for what should not happen, with the stack to find it.
export type LogFields = Readonly<Record<string, unknown>>;
type Level = 'info' | 'warn' | 'error';

export const log = {
  info: (msg: string, fields?: LogFields): void => write('info', msg, fields),
  warn: (msg: string, fields?: LogFields): void => write('warn', msg, fields),
  error: (msg: string, fields?: LogFields): void => write('error', msg, fields),
};

/** The line a log call writes (exported for tests). */
export function logLine(level: Level, msg: string, fields: LogFields = {}): string {
  const out: Record<string, unknown> = { level, msg };
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? errorFields(value, level) : value;
  }
  try {
    return JSON.stringify(out);
  } catch {
    return JSON.stringify({ level, msg, unserializable: Object.keys(fields) });
  }
}

function write(level: Level, msg: string, fields?: LogFields): void {
  const line = logLine(level, msg, fields);
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

function errorFields(error: Error, level: Level): Record<string, unknown> {
  const withStack = level === 'error' && error.stack;
  return { name: error.name, message: error.message, ...(withStack ? { stack: error.stack } : {}) };
}
