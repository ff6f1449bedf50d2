// Bench loops for the Contact lifecycle (issue 3), inside the Durable Object: a qualify-heavy mix and
// atomic batches. Never deployed: only bench/worker.ts exports it, as TenantLog.
import type { CommandDraft } from '../domain/verbs/drafts';
import type { CallContext } from '../shared/protocol';
import { BenchTenantLog, type LoopOutcome } from './bench-tenant-log';

const ADMIN_CALL: CallContext = { tenant: 'bench', principal: { kind: 'admin' } };

export class BenchLifecycleLog extends BenchTenantLog {
  /**
   * Per contact: create (a 40-point profile), qualify (the spec's before-hooks, then its after-hook
   * writes a Deal and an Activity), assign. Counts client commands: 3 per contact.
   */
  async benchQualifyMix(contacts: number, tag: string): Promise<LoopOutcome & { hookEvents: number }> {
    const org = this.executeNow(ADMIN_CALL, {
      kind: 'create',
      noun: 'Organization',
      data: { name: `Bench Org ${tag}` },
    });
    if (!org.ok) throw new Error(org.error.message);
    let ok = 0;
    let firstError: string | undefined;
    const before = await this.ping();
    const note = (result: { ok: boolean; error?: { code: string } }) =>
      result.ok ? ok++ : (firstError ??= result.error!.code);
    for (let i = 0; i < contacts; i++) {
      const data = {
        name: `Mix ${tag} ${i}`,
        email: `mix-${tag}-${i}@startup.io`,
        title: 'CEO',
        phone: '+1 555 0100',
        organization: org.value.entity!.$id,
        stage: 'Lead',
      };
      const created = this.executeNow(ADMIN_CALL, { kind: 'create', noun: 'Contact', data });
      note(created);
      if (!created.ok) continue;
      const id = created.value.entity!.$id;
      note(this.executeNow(ADMIN_CALL, { kind: 'qualify', noun: 'Contact', id }));
      await this.runAfterHooks(); // the spec's qualified hook writes the Deal and the Activity, as a request would
      note(this.executeNow(ADMIN_CALL, { kind: 'assign', noun: 'Contact', id, owner: `rep-${i % 7}` }));
    }
    const head = await this.ping();
    return {
      ok,
      failed: contacts * 3 - ok,
      ...(firstError ? { firstError } : {}),
      head,
      hookEvents: head - before - ok,
    };
  }

  /** One batch of `count` operations (creates and captures), atomic: one transaction. */
  async benchAtomicBatch(count: number, tag: string): Promise<LoopOutcome> {
    const operations: CommandDraft[] = Array.from({ length: count }, (_, i) =>
      i % 4 === 3
        ? { kind: 'capture', noun: 'Contact', data: { email: `batch-${tag}-${i - 1}@startup.io`, source: 'bench' } }
        : {
            kind: 'create',
            noun: 'Contact',
            data: {
              name: `Batch ${tag} ${i}`,
              email: `batch-${tag}-${i}@startup.io`,
              title: 'VP Sales',
              stage: 'Lead',
            },
          },
    );
    const result = await this.batch(ADMIN_CALL, { operations, atomic: true });
    if (!result.ok)
      return {
        ok: 0,
        failed: count,
        firstError: `${result.error.code}: ${result.error.message}`,
        head: await this.ping(),
      };
    return {
      ok: result.value.results.filter((r) => r.ok).length,
      failed: result.value.results.filter((r) => !r.ok).length,
      head: await this.ping(),
    };
  }
}
