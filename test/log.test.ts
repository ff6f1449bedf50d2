// The structured logger (shared/log.ts): one JSON object a line, which Workers Logs indexes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { log, logLine } from '../shared/log';

afterEach(() => vi.restoreAllMocks());

describe('a log line', () => {
  it('is one JSON object with the level, the message and the fields', () => {
    const line = logLine('info', 'outbox drained', { tenant: 'acme', count: 3 });
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ level: 'info', msg: 'outbox drained', tenant: 'acme', count: 3 });
  });

  it('gives an expected failure (warn) its error name and message, without a stack', () => {
    const parsed = JSON.parse(logLine('warn', 'outbox: send failed', { error: new TypeError('queue unavailable') }));
    expect(parsed.error).toEqual({ name: 'TypeError', message: 'queue unavailable' });
  });

  it('gives an unexpected failure (error) its stack', () => {
    const parsed = JSON.parse(logLine('error', 'unhandled', { error: new Error('boom') }));
    expect(parsed.error).toMatchObject({ name: 'Error', message: 'boom', stack: expect.stringContaining('boom') });
  });

  it('still writes a line when a field cannot be serialized', () => {
    const parsed = JSON.parse(logLine('warn', 'odd', { big: 1n }));
    expect(parsed).toEqual({ level: 'warn', msg: 'odd', unserializable: ['big'] });
  });
});

describe('log', () => {
  it('writes each level through its console method, one string argument', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    log.warn('w', { a: 1 });
    log.error('e');
    expect(warn).toHaveBeenCalledWith('{"level":"warn","msg":"w","a":1}');
    expect(error).toHaveBeenCalledWith('{"level":"error","msg":"e"}');
  });
});
