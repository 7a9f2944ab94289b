// The hardening steps from AWS's guidance on SSE-C ransomware ("Preventing unintended encryption of
// Amazon S3 objects", the Codefinger advisories) checked against what this incident's workflow saw
// and did. What the bot cannot see is listed as "not verified", never as done.

import type { IncidentContext } from '../../../workflows/types.ts';
import { type FindingsSummary, NO_FINDINGS } from '../findings.ts';

export type CheckStatus = 'done' | 'missing' | 'unverified';

export interface HardeningCheck {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
}

const flag = (v: unknown): boolean | null =>
  typeof v === 'boolean' ? v : typeof v === 'number' ? v > 0 : typeof v === 'string' ? v === 'true' : null;

export function hardeningChecks(
  ctx: IncidentContext | undefined,
  buckets: string[],
  seen: FindingsSummary = NO_FINDINGS,
): HardeningCheck[] {
  const contained = ctx?.containment.result ?? null;
  const rolledBack = ctx?.containment.rollback ?? null;
  const findings = ctx?.assessment.summary?.findings ?? {};
  const checks: HardeningCheck[] = [];
  const perBucket = seen.buckets;

  const blocked = contained?.bucketsBlocked ?? 0;
  const alreadyBlocked = perBucket.length > 0 && perBucket.every((b) => b.sseCBlocked === true);
  checks.push({
    id: 'block-sse-c',
    title: 'SSE-C writes blocked on the affected buckets',
    status: (contained && blocked >= buckets.length) || (!rolledBack && alreadyBlocked) ? 'done' : 'missing',
    detail: contained
      ? `${blocked} of ${buckets.length} bucket(s) block SSE-C (BlockedEncryptionTypes / bucket policy).`
      : rolledBack
        ? 'Containment was rolled back: SSE-C is allowed again.'
        : alreadyBlocked
          ? 'The assessment found SSE-C already blocked on every bucket.'
          : 'Not done by the bot: set BlockedEncryptionTypes ["SSE-C"] or the deny-SSE-C bucket policy.',
  });
  checks.push({
    id: 'org-rcp',
    title: 'SSE-C denied organisation-wide (resource control policy)',
    status: 'unverified',
    detail:
      'Outside this incident’s scope: an RCP denying s3:PutObject with an SSE-C header protects every bucket, not just these.',
  });

  const defused = contained?.lifecycleRulesDefused ?? 0;
  const lifecycleFound =
    perBucket.length > 0 ? perBucket.some((b) => b.lifecycleRules > 0) : flag(findings.lifecycleRules);
  checks.push({
    id: 'lifecycle',
    title: 'Attacker’s lifecycle rule defused',
    status:
      defused > 0 || lifecycleFound === false ? 'done' : lifecycleFound === true ? 'missing' : 'unverified',
    detail:
      defused > 0
        ? `${defused} rule(s) defused during containment.`
        : lifecycleFound === false
          ? 'The assessment found no destructive lifecycle rule.'
          : 'Review each bucket’s lifecycle configuration for NoncurrentVersionExpiration rules nobody added on purpose.',
  });

  const statuses = perBucket.map((b) => b.versioning).filter((v): v is string => v !== null);
  const notVersioned = perBucket
    .filter((b) => b.versioning !== null && b.versioning !== 'Enabled')
    .map((b) => b.bucket);
  const suspended = statuses.length > 0 ? notVersioned.length > 0 : flag(findings.versioningSuspended);
  checks.push({
    id: 'versioning',
    title: 'Versioning enabled on every bucket',
    status: suspended === true ? 'missing' : suspended === false ? 'done' : 'unverified',
    detail:
      suspended === true
        ? `Versioning is not enabled${notVersioned.length > 0 ? ` on ${notVersioned.slice(0, 10).join(', ')}` : ''}: without it an overwrite destroys the only copy.`
        : 'Keep versioning on, and consider MFA delete or Object Lock for critical data.',
  });

  const checkedBackups = perBucket.filter((b) => b.recoveryPoints !== null);
  const backups =
    checkedBackups.length > 0
      ? checkedBackups.some((b) => (b.recoveryPoints ?? 0) > 0)
      : (flag(findings.backupRecoveryPoints) ?? flag(findings.backup));
  checks.push({
    id: 'backup',
    title: 'Independent backup (AWS Backup or replication to another account)',
    status: backups === true ? 'done' : backups === false ? 'missing' : 'unverified',
    detail:
      backups === true
        ? 'Recovery points exist for the affected buckets.'
        : 'Protect the buckets with AWS Backup (vault lock) or cross-account replication, so a stolen key cannot reach every copy.',
  });

  const deactivated = contained?.keysDeactivated ?? 0;
  checks.push({
    id: 'rotate-key',
    title: 'Stolen access key deleted and credentials rotated',
    status: 'missing',
    detail:
      (deactivated > 0
        ? `${deactivated} key(s) were deactivated (not deleted, for the investigation). `
        : '') +
      'Delete the key once forensics are done, issue new credentials, and move workloads to roles with short-lived credentials.',
  });
  checks.push({
    id: 'detection',
    title: 'CloudTrail S3 data events and GuardDuty S3 Protection on',
    status: 'unverified',
    detail:
      'Needed to see the next attack early: data events show SSE-C writes; GuardDuty flags anomalous S3 writes.',
  });
  return checks;
}
