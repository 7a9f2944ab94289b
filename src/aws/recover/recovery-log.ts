import type { RecoveryStatus } from '../../store/assessments.ts';
import type { Store } from '../../store/store.ts';

export interface RecoveryMark {
  runId: number;
  key: string;
  status: RecoveryStatus;
  restoredVersionId?: string | null;
  error?: string | null;
}

/**
 * Per-object outcomes, committed to SQLite a few dozen at a time: one fsync per object would stall
 * the event loop and cap the restore far below S3's rate. Marks lost in a crash cost nothing but a
 * re-check: a resumed run sees its own copy as the current version and records it then.
 */
export class RecoveryLog {
  private buffer: RecoveryMark[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: { maxRows?: number; maxDelayMs?: number } = {},
  ) {}

  mark(m: RecoveryMark): void {
    this.buffer.push(m);
    if (this.buffer.length >= (this.opts.maxRows ?? 1000)) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.opts.maxDelayMs ?? 1000);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.store.transaction(() => {
      for (const m of batch) {
        this.store.assessments.markRecovery(m.runId, m.key, {
          status: m.status,
          restoredVersionId: m.restoredVersionId ?? null,
          error: m.error ?? null,
        });
      }
    });
  }
}

/**
 * The effects-ledger key of the AWS job (Backup restore, Batch job) this call follows: the same
 * one after a crash, a fresh one once the previous job ended in failure, so a retry starts anew.
 */
export function jobLedgerKey(store: Store, base: string): string {
  for (let n = 1; ; n++) {
    const key = n === 1 ? base : `${base}#${n}`;
    if (store.effects.get(key)?.status !== 'failed') return key;
  }
}
