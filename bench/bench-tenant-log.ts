// TenantLog plus bench-only loops that run inside the Durable Object, so a figure counts our code and
// not one HTTP/RPC hop per command. Never deployed: only bench/worker.ts exports it.
import type { CallContext } from '../shared/protocol';
import { TenantLog } from '../durable-objects/tenant-log';

/** What a bench loop answers; the runner times the call from outside (Date.now() here stands still). */
export interface LoopOutcome {
  readonly ok: number;
  readonly failed: number;
  /** The first failure's code, to tell a broken bench from a slow one. */
  readonly firstError?: string;
  readonly head: number;
}

const ADMIN_CALL: CallContext = { tenant: 'bench', principal: { kind: 'admin' } };

export class BenchTenantLog extends TenantLog {
  /**
   * Runs `count` Contact creates through `executeNow`, the body of `execute` (what every HTTP create runs
   * after the edge) without the commit group.
   * Without I/O between them their writes commit together; `commitEach` waits for each one's commit
   * (storage.sync), as one create per request does, which shows what a commit costs.
   */
  async benchCreates(count: number, tag: string, commitEach = false): Promise<LoopOutcome> {
    let ok = 0;
    let firstError: string | undefined;
    for (let i = 0; i < count; i++) {
      const data = {
        name: `Bench ${tag} ${i}`,
        email: `bench-${tag}-${i}@example.com`,
        stage: 'Lead',
        title: 'VP Sales',
      };
      const result = this.executeNow(ADMIN_CALL, { kind: 'create', noun: 'Contact', data });
      if (result.ok) ok++;
      else firstError ??= result.error.code;
      if (commitEach) await this.ctx.storage.sync();
    }
    return { ok, failed: count - ok, ...(firstError ? { firstError } : {}), head: await this.ping() };
  }
}
