// How a TenantLog tells its tenant's StreamHub that events committed: a nudge carrying the head seq,
// never the events (the hub pulls them by seq). It joins the unit of work as a memory mirror, so it
// hears only of outermost commits; the nudge goes out from a later task, one per turn, and the output
// gate holds it until the commit is durable. A lost nudge only delays: the next one, or the hub's
// heartbeat, catches up.
import type { Env } from '../shared/env';
import type { MemoryMirror } from './unit-of-work';
import { log } from '../shared/log';

export class StreamNotice implements MemoryMirror {
  private queued = false;
  private sent = -1;

  constructor(
    private readonly env: Env,
    private readonly tenant: () => string | undefined,
    private readonly head: () => number,
  ) {}

  /** A unit of work committed: nudge the hub if the head moved. */
  committed(): void {
    if (this.queued) return;
    this.queued = true;
    setTimeout(() => {
      this.queued = false;
      const head = this.head();
      if (head === this.sent) return;
      this.sent = head;
      void this.send((hub, tenant) => hub.nudge(tenant, head));
    }, 0);
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
      await call(this.env.STREAM_HUB.get(this.env.STREAM_HUB.idFromName(tenant)) as unknown as HubNotices, tenant);
    } catch (error) {
      log.warn('stream hub: notice lost (subscribers catch up on the next one)', { error });
    }
  }
}

interface HubNotices {
  nudge(tenant: string, head: number): Promise<void>;
  revoke(tenant: string, actor: string): Promise<number>;
}
