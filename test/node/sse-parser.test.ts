// client/sse.js, the one SSE parser of the SDK and `crm tail`, against the WHATWG framing rules: BOM, CRLF,
// CR and LF line ends (also split between chunks), multi-line data, comments, fields without a colon,
// `id` kept across events, `retry` digits only, an unfinished event dropped. Every case is fed whole, then
// one character at a time, then at every two-way split: the events must not depend on the chunking.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followEventStream, SseParser, type SseEvent } from '../../client/sse.js';

function parse(chunks: readonly string[]): { events: SseEvent[]; comments: string[]; retry?: number; id: string } {
  const comments: string[] = [];
  const parser = new SseParser({ onComment: (c) => comments.push(c) });
  const events = chunks.flatMap((chunk) => parser.feed(chunk));
  return { events, comments, ...(parser.retry === undefined ? {} : { retry: parser.retry }), id: parser.lastEventId };
}

function everyChunking(text: string): string[][] {
  const ways = [[text], [...text]];
  for (let i = 1; i < text.length; i++) ways.push([text.slice(0, i), text.slice(i)]);
  return ways;
}

const cases: [string, string, { events: SseEvent[]; comments?: string[]; retry?: number; id?: string }][] = [
  [
    'a leading BOM, CRLF line ends and a comment',
    '\uFEFF: hello\r\nid: 1\r\nevent: Contact.Created\r\ndata: {"seq":1}\r\n\r\n',
    { events: [{ type: 'Contact.Created', data: '{"seq":1}', lastEventId: '1' }], comments: ['hello'], id: '1' },
  ],
  [
    'only the first BOM is dropped (a second one belongs to the field name)',
    '\uFEFF\uFEFFdata: x\n\ndata: y\n\n',
    { events: [{ type: 'message', data: 'y', lastEventId: '' }] },
  ],
  [
    'bare CR line ends and CR LF mixed',
    'data: a\rdata: b\r\n\rdata:c\n\r\n',
    {
      events: [
        { type: 'message', data: 'a\nb', lastEventId: '' },
        { type: 'message', data: 'c', lastEventId: '' },
      ],
    },
  ],
  [
    'multi-line data, one space removed after the colon, no colon means an empty value',
    'data:  two spaces\ndata\ndata:third\n\n',
    { events: [{ type: 'message', data: ' two spaces\n\nthird', lastEventId: '' }] },
  ],
  [
    'the id stays for the following events; an id with NUL is ignored; an empty id clears it',
    'id: 7\ndata: a\n\ndata: b\n\nid: 8\0\ndata: c\n\nid\ndata: d\n\n',
    {
      events: [
        { type: 'message', data: 'a', lastEventId: '7' },
        { type: 'message', data: 'b', lastEventId: '7' },
        { type: 'message', data: 'c', lastEventId: '7' },
        { type: 'message', data: 'd', lastEventId: '' },
      ],
      id: '',
    },
  ],
  [
    'retry only as digits; unknown fields ignored; an event type without data dispatches nothing',
    'retry: 2500\nretry: 12x\nretry: -1\nfoo: bar\nevent: Lonely\n\ndata: after\n\n',
    { events: [{ type: 'message', data: 'after', lastEventId: '' }], retry: 2500 },
  ],
  [
    'heartbeat comments between events, an id-only block moves the last event id',
    ': heartbeat 2026-12-02T00:00:00Z\n\nid: 3\nevent: A.B\ndata: 3\n\n:\n\nid: 9\n\n',
    {
      events: [{ type: 'A.B', data: '3', lastEventId: '3' }],
      comments: ['heartbeat 2026-12-02T00:00:00Z', ''],
      id: '9',
    },
  ],
  [
    'an unfinished event at the end is not dispatched',
    'id: 1\ndata: done\n\nid: 2\ndata: half',
    { events: [{ type: 'message', data: 'done', lastEventId: '1' }], id: '1' },
  ],
  [
    'non-ASCII data survives',
    'data: {"name":"Chén Société 🎉"}\n\n',
    { events: [{ type: 'message', data: '{"name":"Chén Société 🎉"}', lastEventId: '' }] },
  ],
];

describe('SseParser', () => {
  for (const [what, text, expected] of cases)
    it(what, () => {
      for (const chunks of everyChunking(text)) {
        const got = parse(chunks);
        expect(got.events, JSON.stringify(chunks)).toEqual(expected.events);
        expect(got.comments, JSON.stringify(chunks)).toEqual(expected.comments ?? []);
        expect(got.retry).toBe(expected.retry);
        expect(got.id).toBe(expected.id ?? expected.events.at(-1)?.lastEventId ?? '');
      }
    });

  it('takes a CR ending one chunk and an LF starting the next as one line end, across empty chunks', () => {
    const got = parse(['data: a\r', '', '\n', '\r', '\n']);
    expect(got.events).toEqual([{ type: 'message', data: 'a', lastEventId: '' }]);
  });
});

describe('followEventStream over a real HTTP server', () => {
  // The server cuts the first connection in the middle of a frame, with bytes split inside a UTF-8 character.
  const seen: { lastEventId: string | undefined; authorization: string | undefined }[] = [];
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      const lastEventId = request.headers['last-event-id'] as string | undefined;
      seen.push({ lastEventId, authorization: request.headers.authorization });
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (seen.length === 1) {
        const bytes = Buffer.from('\uFEFFretry: 20\r\nid: 1\r\ndata: é1\r\n\r\nid: 2\ndata: é2\n\nid: 3\ndata: é3');
        response.write(bytes.subarray(0, 28)); // ends inside the first é
        setTimeout(() => response.write(bytes.subarray(28)), 20);
        setTimeout(() => response.destroy(), 60);
      } else {
        response.write(`id: 3\ndata: é3\n\nid: 4\ndata: é4\n\n`);
        setTimeout(() => response.end(), 20);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reconnects after the cut with Last-Event-ID and the server retry, dropping the unfinished frame', async () => {
    const controller = new AbortController();
    const events: string[] = [];
    const errors: unknown[] = [];
    const started = Date.now();
    await followEventStream({
      url,
      signal: controller.signal,
      headers: { authorization: 'Bearer t' },
      retryMs: 5_000,
      onError: (error) => void errors.push(error),
      onEvent(event) {
        events.push(`${event.lastEventId}:${event.data}`);
        if (events.length === 4) controller.abort();
      },
    });
    expect(events).toEqual(['1:é1', '2:é2', '3:é3', '4:é4']);
    expect(seen.slice(0, 2)).toEqual([
      { lastEventId: undefined, authorization: 'Bearer t' },
      { lastEventId: '2', authorization: 'Bearer t' },
    ]);
    expect(errors).toHaveLength(1);
    // retry: 20 from the stream, not the 5 s given: the whole run takes well under a second.
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
