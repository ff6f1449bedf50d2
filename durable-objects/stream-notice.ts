// How a TenantLog tells its tenant's StreamHub that events committed: a nudge carrying the head seq,
// never the events (the hub pulls them by seq). One nudge per event-loop turn of appends, sent from a
// later task so nothing is announced before its transaction returned; the output gate holds the call
// until the commit is durable. A lost nudge only delays: the next one, or the hub's heartbeat, catches up.
import type { Env } from '../workers/env';

export class StreamNotice {
  private queued = false;

  constructor(
    private readonly env: Env,
    private readonly tenant: () => string | undefined,
    private readonly head: () => number,
  ) {}

  /** Call on append (inside its transaction is fine). */
  appended(): void {
    if (this.queued) return;
    this.queued = true;
    setTimeout(() => {
      this.queued = false;
      void this.send((hub, tenant) => hub.nudge(tenant, this.head()));
    }, 0);
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
      console.error('stream hub: notice lost (subscribers catch up on the next one)', error);
    }
  }
}

interface HubNotices {
  nudge(tenant: string, head: number): Promise<void>;
  revoke(tenant: string, actor: string): Promise<number>;
}
