// Reading the live streams as a client does: SSE frames off a response body, WebSocket messages.
import { exports } from 'cloudflare:workers';
import { ADMIN } from './http';

export interface SseFrame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly retry?: string;
  readonly comment?: string;
}

/** Reads frames until `done(frames)` or the timeout; cancels the stream afterwards. */
export async function readSse(
  response: Response,
  done: (frames: SseFrame[]) => boolean,
  timeoutMs = 5_000,
): Promise<SseFrame[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const frames: SseFrame[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!done(frames)) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const read = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), left))]);
      if (read === null || read.done) break;
      buffer += read.value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        frames.push(parseFrame(buffer.slice(0, end)));
        buffer = buffer.slice(end + 2);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return frames;
}

function parseFrame(text: string): SseFrame {
  const frame: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) frame['comment'] = line.slice(1).trim();
    const at = line.indexOf(': ');
    if (at > 0) frame[line.slice(0, at)] = line.slice(at + 2);
  }
  return frame;
}

export const eventsOf = (frames: readonly SseFrame[]) =>
  frames.filter((f) => f.data !== undefined).map((f) => JSON.parse(f.data!) as Record<string, any>);

/** Opens the tenant's WebSocket through the Worker; `messages` collects what arrives. */
export async function openSocket(
  tenant: string,
  token = ADMIN,
): Promise<{ response: Response; socket?: WebSocket; messages: any[]; closed: Promise<CloseEvent> }> {
  const response = await exports.default.fetch(
    new Request(`http://crm.test/~${tenant}/events/ws`, {
      headers: { upgrade: 'websocket', authorization: `Bearer ${token}` },
    }),
  );
  const messages: any[] = [];
  const socket = response.webSocket ?? undefined;
  let closed: Promise<CloseEvent> = new Promise(() => {});
  if (socket) {
    socket.accept();
    closed = new Promise((resolve) => socket.addEventListener('close', resolve));
    socket.addEventListener('message', (event) => {
      messages.push(JSON.parse(String(event.data)));
    });
  }
  return { response, ...(socket ? { socket } : {}), messages, closed };
}

export async function until(check: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}
