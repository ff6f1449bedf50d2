// The two live transports a StreamHub serves: Server-Sent Events (a stream the hub writes to) and
// WebSockets (accepted with the Hibernation API, their cursor kept in the socket's attachment so a
// hibernated hub resumes every socket where it was).
import type { TypePatterns } from '../domain/type-patterns';
import type { Frame, Subscriber } from './stream-feed';

/** How long an SSE client waits before reconnecting (the `retry:` field). */
export const SSE_RETRY_MS = 1_000;
export const HEARTBEAT_MS = 15_000;

const encoder = new TextEncoder();

export class SseSubscriber implements Subscriber {
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private closed = false;

  constructor(
    readonly actor: string,
    readonly types: TypePatterns,
    public cursor: number,
    writable: WritableStream<Uint8Array>,
    private readonly onClose: () => void,
  ) {
    this.writer = writable.getWriter();
    void this.write(`retry: ${SSE_RETRY_MS}\n: subscribed after ${cursor}\n\n`).catch(() => this.close());
  }

  // `id:` is the seq, so Last-Event-ID resumes right after the last event the client saw.
  deliver(frames: readonly Frame[]): Promise<void> {
    if (frames.length === 0) return Promise.resolve();
    return this.write(frames.map((f) => `id: ${f.seq}\nevent: ${f.type}\ndata: ${f.json}\n\n`).join(''));
  }

  heartbeat(): void {
    void this.write(`: heartbeat ${new Date().toISOString()}\n\n`).catch(() => this.close());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.writer.close().catch(() => undefined);
  }

  private async write(text: string): Promise<void> {
    if (this.closed) throw new Error('stream closed');
    await this.writer.write(encoder.encode(text));
  }
}

/** What a hibernating WebSocket remembers. */
export interface SocketState {
  readonly tenant: string;
  readonly actor: string;
  /** Null until the client sent its subscription. */
  readonly cursor: number | null;
  readonly types: TypePatterns;
}

export class SocketSubscriber implements Subscriber {
  constructor(
    private readonly socket: WebSocket,
    private readonly state: SocketState & { cursor: number },
    private readonly onClose: () => void,
  ) {}

  get actor(): string {
    return this.state.actor;
  }

  get types(): TypePatterns {
    return this.state.types;
  }

  get cursor(): number {
    return this.state.cursor;
  }

  set cursor(seq: number) {
    if (seq === this.state.cursor) return;
    this.state.cursor = seq;
    this.socket.serializeAttachment(this.state);
  }

  is(socket: WebSocket): boolean {
    return socket === this.socket;
  }

  // One message per event: the CloudEvent, which carries its seq.
  deliver(frames: readonly Frame[]): void {
    for (const frame of frames) this.socket.send(frame.json);
  }

  close(code: number, reason: string): void {
    this.onClose();
    try {
      this.socket.close(code, reason);
    } catch {
      // already closed
    }
  }
}
