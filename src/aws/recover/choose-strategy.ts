export type RecoveryStrategy = 'versions' | 'backup' | 'batch';

export interface StrategyFacts {
  /** Objects with a clean version to copy back. */
  restorable: number;
  /** Objects with no clean version left in the bucket. */
  unrecoverable: number;
  /** Objects above S3 Batch Operations' 5 GB copy limit. */
  large?: number;
  batchThreshold: number;
  batchConfigured: boolean;
  backupConfigured: boolean;
  requested?: RecoveryStrategy | undefined;
}

export interface StrategyChoice {
  strategy: RecoveryStrategy;
  reason: string;
  /** Set when the requested strategy cannot run as configured. */
  problem?: string;
}

/**
 * Versions by default: fast, exact, and the clean data is already in the bucket. Backup when
 * versions hold nothing to restore. Batch Operations when there are more objects than this
 * process should copy itself (AWS's own engine, millions per hour).
 */
export function chooseStrategy(f: StrategyFacts): StrategyChoice {
  if (f.requested === 'batch' && !f.batchConfigured) {
    return {
      strategy: 'batch',
      reason: 'requested',
      problem: 'batch needs SSEC_BATCH_MANIFEST_BUCKET and SSEC_BATCH_ROLE_ARN',
    };
  }
  if (f.requested === 'backup' && !f.backupConfigured) {
    return { strategy: 'backup', reason: 'requested', problem: 'backup needs SSEC_BACKUP_ROLE_ARN' };
  }
  if (f.requested) return { strategy: f.requested, reason: 'requested' };
  if (f.restorable === 0 && f.unrecoverable > 0 && f.backupConfigured) {
    return { strategy: 'backup', reason: `no clean versions in the bucket for ${f.unrecoverable} object(s)` };
  }
  if (f.restorable > f.batchThreshold && f.batchConfigured) {
    return {
      strategy: 'batch',
      reason: `${f.restorable} objects exceed the batch threshold of ${f.batchThreshold}${f.large ? `; ${f.large} over 5 GB are copied here` : ''}`,
    };
  }
  return { strategy: 'versions', reason: `${f.restorable} object(s) restorable from versions` };
}
