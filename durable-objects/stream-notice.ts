// How a TenantLog tells its tenant's StreamHub that events committed: a nudge carrying the head seq,
// never the events (the hub pulls them by seq). It joins the unit of work as a memory mirror, so it
// hears only of outermost commits; the nudge goes out from a later task, one per turn, and the output
// gate holds it until the commit is durable. A lost nudge only delays: the next one, or the hub's
// heartbeat, catches up. A hub with no subscriber says so in its answer, and the log stops nudging it
// until the hub calls `listen` (its first subscriber again): a call per command saved while nobody
// listens. Each answer and each listen carries the hub's listen epoch, so an answer that left the hub
// before a later listen cannot silence the log again (docs/performance.md).
import { idOf } from '../shared/durable-ids';
import type { Env } from '../shared/env';
import type { MemoryMirror } from './unit-of-work';
import { log } from '../shared/log';

/** The hub's answer to a nudge: whether any subscriber listens, as of its listen epoch. */
export interface NudgeReply {
  readonly listening: boolean;
  readonly epoch: number;
}

export class StreamNotice implements MemoryMirror {
  private queued = false;
  private sent = -1;
  /** The hub said nobody listens, and has not called listen since. */
  private quiet = false;
  /** The latest listen epoch heard from the hub. */
  private epoch = 0;

  constructor(
    private readonly env: Env,
    private readonly tenant: () => string | undefined,
    private readonly head: () => number,
  ) {}

  /** A unit of work committed: nudge the hub if the head moved. */
  committed(): void {
    if (this.queued || this.quiet) return;
    this.queued = true;
    setTimeout(() => {
      this.queued = false;
      const head = this.head();
      if (head === this.sent) return;
      this.sent = head;
      void this.send(async (hub, tenant) => this.heard(await hub.nudge(tenant, head)));
    }, 0);
  }

  /** The hub has a subscriber again: nudge after every commit from now on. */
  listen(epoch: number): void {
    this.epoch = Math.max(this.epoch, epoch);
    this.quiet = false;
  }

  // An answer older than the last listen says nothing of the subscriber that listen announced.
  private heard(reply: NudgeReply | undefined): void {
    if (!reply || typeof reply.epoch !== 'number' || reply.epoch < this.epoch) return;
    this.epoch = reply.epoch;
    this.quiet = !reply.listening;
  }

  rolledBack(): void {
    // Nothing was appended; nothing to tell.
  }

  /** A key was revoked: its subscribers are closed. */
  revoked(actor: string): void {
    void this.send((hub, tenant) => hub.revoke(tenant, actor));
  }

  private async send(call: (hub: HubNotices, tenant: string) => Promise<unknown>): Promise<void> {
    const tenant = this.tenant();
    if (!this.env.STREAM_HUB || tenant === undefined) return;
    try {
      await call(this.env.STREAM_HUB.get(idOf(this.env.STREAM_HUB, tenant)) as unknown as HubNotices, tenant);
    } catch (error) {
      log.warn('stream hub: notice lost (subscribers catch up on the next one)', { error });
    }
  }
}

interface HubNotices {
  nudge(tenant: string, head: number): Promise<NudgeReply | undefined>;
  revoke(tenant: string, actor: string): Promise<number>;
}
