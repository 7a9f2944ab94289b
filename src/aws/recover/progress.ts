export interface RecoverProgress {
  phase: 'restoring' | 'backup-restore' | 'batch' | 'verifying';
  total: number;
  done: number;
  restored: number;
  failed: number;
  skipped: number;
  unrecoverable: number;
  /** Objects per second since the phase began. */
  rate: number;
  /** Seconds left at that rate; null until there is a rate. */
  etaSeconds: number | null;
  detail?: string;
}

export type ProgressListener = (p: RecoverProgress) => void;

/** Calls the listener at most every `intervalMs` (and always for the final report). */
export function throttledProgress(
  listener: ProgressListener | undefined,
  intervalMs = 250,
  clock: () => number = Date.now,
): { report(p: Omit<RecoverProgress, 'rate' | 'etaSeconds'>, force?: boolean): void } {
  const started = clock();
  let last = 0;
  return {
    report(p, force = false) {
      if (!listener) return;
      const now = clock();
      if (!force && now - last < intervalMs) return;
      last = now;
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? p.done / seconds : 0;
      listener({ ...p, rate, etaSeconds: rate > 0 ? Math.max(0, (p.total - p.done) / rate) : null });
    },
  };
}
