import { type BackupClient, ListRecoveryPointsByResourceCommand } from '@aws-sdk/client-backup';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  type LifecycleRule,
  type S3Client,
  type ServerSideEncryptionRule,
} from '@aws-sdk/client-s3';
import { type RetryOptions, withRetry } from '../retry.ts';
import { type LifecycleFinding, lifecycleFindings } from './lifecycle.ts';
import { encryptionBlocksSseC, policyBlocksSseC } from './sse-c-block.ts';
import type { VersioningStatus } from './types.ts';

/** What a scan needs to know of the bucket's configuration, read once before it starts. */
export interface BucketState {
  versioning: VersioningStatus | 'Unknown';
  versioningError?: string;
  lifecycleRules: LifecycleRule[];
  lifecycleError?: string;
  encryptionRules: ServerSideEncryptionRule[];
  encryptionError?: string;
  policy: string | undefined;
  policyError?: string;
}

/**
 * Storage classes whose versions S3 will not copy (403 InvalidObjectState) until RestoreObject has
 * made them readable, which takes hours. Not among them: GLACIER_IR (Instant Retrieval), which is
 * read and copied like STANDARD_IA, and the other classes. An INTELLIGENT_TIERING version in one of
 * its archive tiers is listed as INTELLIGENT_TIERING, so a listing cannot tell; recovery reports it.
 */
export const ARCHIVED_STORAGE_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);

export interface RecoveryPointFinding {
  recoveryPointArn: string;
  creationDate: string | null;
  status: string | null;
  backupVaultName: string | null;
}

export interface BucketFindings {
  versioning: {
    status: BucketState['versioning'];
    priorVersionsKept: boolean;
    message: string;
    error?: string;
  };
  lifecycle: { rules: LifecycleFinding[]; message: string; error?: string };
  sseCBlocked: {
    blocked: boolean;
    byEncryptionSetting: boolean;
    byBucketPolicy: boolean;
    message: string;
    error?: string;
  };
  backup?: { checked: boolean; recoveryPoints: RecoveryPointFinding[]; message: string; error?: string };
  /** Present when some clean versions to restore are archived (see `ARCHIVED_STORAGE_CLASSES`). */
  archived?: {
    versions: number;
    /** Per archived class, e.g. `{ GLACIER: 10, DEEP_ARCHIVE: 2 }`. */
    byStorageClass: Record<string, number>;
    message: string;
  };
  /** One sentence each, most urgent first, for a Slack message or a terminal. */
  messages: string[];
  // The headline facts again as plain values, for summaries that keep only flat fields.
  versioningStatus: BucketState['versioning'];
  sseCWritesBlocked: boolean;
  /** Enabled lifecycle rules that expire current or noncurrent versions. */
  lifecycleRules: number;
  /** The earliest moment a lifecycle rule destroys clean data for good (ISO), if any. */
  cleanDataDestroyedFrom: string | null;
  /** AWS Backup recovery points from before the window; null when Backup was not consulted. */
  backupRecoveryPoints: number | null;
  /** Affected objects whose clean version is GLACIER or DEEP_ARCHIVE: no copy before RestoreObject. */
  archivedRestoreVersions: number;
}

const errorText = (e: unknown): string => {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err?.$metadata?.httpStatusCode;
  return `${err?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${err?.message ?? String(e)}`;
};
const nameOf = (e: unknown): string | undefined => (e as { name?: string } | undefined)?.name;

/** Reads versioning, lifecycle, default encryption and policy; a refusal becomes a noted gap, not a failure. */
export async function readBucketState(
  s3: S3Client,
  bucket: string,
  opts: { signal?: AbortSignal | undefined; retry?: RetryOptions } = {},
): Promise<BucketState> {
  const call = <T>(fn: () => Promise<T>) => withRetry(fn, { ...opts.retry, signal: opts.signal });
  const send = { abortSignal: opts.signal };
  const state: BucketState = {
    versioning: 'Unknown',
    lifecycleRules: [],
    encryptionRules: [],
    policy: undefined,
  };
  await Promise.all([
    call(() => s3.send(new GetBucketVersioningCommand({ Bucket: bucket }), send)).then(
      (out) => {
        state.versioning = out.Status === 'Enabled' || out.Status === 'Suspended' ? out.Status : 'Disabled';
      },
      (e: unknown) => {
        state.versioningError = errorText(e);
      },
    ),
    call(() => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }), send)).then(
      (out) => {
        state.lifecycleRules = out.Rules ?? [];
      },
      (e: unknown) => {
        if (nameOf(e) !== 'NoSuchLifecycleConfiguration') state.lifecycleError = errorText(e);
      },
    ),
    call(() => s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }), send)).then(
      (out) => {
        state.encryptionRules = out.ServerSideEncryptionConfiguration?.Rules ?? [];
      },
      (e: unknown) => {
        if (nameOf(e) !== 'ServerSideEncryptionConfigurationNotFoundError')
          state.encryptionError = errorText(e);
      },
    ),
    call(() => s3.send(new GetBucketPolicyCommand({ Bucket: bucket }), send)).then(
      (out) => {
        state.policy = out.Policy;
      },
      (e: unknown) => {
        if (nameOf(e) !== 'NoSuchBucketPolicy') state.policyError = errorText(e);
      },
    ),
  ]);
  return state;
}

/** AWS Backup recovery points of the bucket taken before the window, newest first. */
export async function findRecoveryPoints(
  backup: BackupClient | undefined,
  bucket: string,
  before: Date,
  opts: { signal?: AbortSignal | undefined; retry?: RetryOptions } = {},
): Promise<NonNullable<BucketFindings['backup']>> {
  if (!backup) {
    return {
      checked: false,
      recoveryPoints: [],
      message: 'AWS Backup was not checked (no Backup client was given).',
    };
  }
  try {
    const points: RecoveryPointFinding[] = [];
    let token: string | undefined;
    do {
      const out = await withRetry(
        () =>
          backup.send(
            new ListRecoveryPointsByResourceCommand({
              ResourceArn: `arn:aws:s3:::${bucket}`,
              NextToken: token,
            }),
            { abortSignal: opts.signal },
          ),
        { ...opts.retry, signal: opts.signal },
      );
      for (const p of out.RecoveryPoints ?? []) {
        if (!p.RecoveryPointArn || !p.CreationDate || p.CreationDate.getTime() >= before.getTime()) continue;
        points.push({
          recoveryPointArn: p.RecoveryPointArn,
          creationDate: p.CreationDate.toISOString(),
          status: p.Status ?? null,
          backupVaultName: p.BackupVaultName ?? null,
        });
      }
      token = out.NextToken;
    } while (token);
    points.sort((a, b) => (b.creationDate ?? '').localeCompare(a.creationDate ?? ''));
    const newest = points[0];
    return {
      checked: true,
      recoveryPoints: points,
      message: newest
        ? `AWS Backup holds ${points.length} recovery point${points.length === 1 ? '' : 's'} of the bucket from before the incident; the newest is from ${newest.creationDate} (${newest.recoveryPointArn}). Restore it into a new bucket, then copy the affected keys back.`
        : 'AWS Backup holds no recovery point of the bucket from before the incident.',
    };
  } catch (error) {
    return {
      checked: false,
      recoveryPoints: [],
      message: `AWS Backup recovery points could not be checked: ${errorText(error)}`,
      error: errorText(error),
    };
  }
}

export function buildFindings(input: {
  bucket: string;
  state: BucketState;
  /** When the attacker first made clean versions noncurrent; the window start when unknown. */
  overwrittenAt: Date;
  backup?: BucketFindings['backup'];
  /** Affected objects per storage class of their clean version (`Assessments.restoreStorageClasses`). */
  restoreStorageClasses?: Record<string, number>;
}): BucketFindings {
  const { state, bucket } = input;
  const v = state.versioning;
  const kept = v === 'Enabled';
  const versioning: BucketFindings['versioning'] = {
    status: v,
    priorVersionsKept: kept,
    message:
      v === 'Enabled'
        ? `Versioning is enabled on ${bucket}: overwritten objects keep their earlier versions.`
        : v === 'Suspended'
          ? `Versioning is suspended on ${bucket}: an overwrite replaces the object's null version, so no prior versions exist for objects written since it was suspended. Look for AWS Backup recovery points.`
          : v === 'Disabled'
            ? `Versioning was never enabled on ${bucket}: no prior versions exist. Look for AWS Backup recovery points.`
            : `Versioning status of ${bucket} could not be read (${state.versioningError ?? 'unknown error'}).`,
    ...(state.versioningError ? { error: state.versioningError } : {}),
  };

  const rules = lifecycleFindings(state.lifecycleRules, input.overwrittenAt, v !== 'Disabled');
  const lifecycle: BucketFindings['lifecycle'] = {
    rules,
    message: state.lifecycleError
      ? `Lifecycle configuration could not be read (${state.lifecycleError}).`
      : rules.length === 0
        ? 'No enabled lifecycle rule expires objects or versions.'
        : rules.map((r) => r.message).join(' '),
    ...(state.lifecycleError ? { error: state.lifecycleError } : {}),
  };

  const byEncryptionSetting = encryptionBlocksSseC(state.encryptionRules);
  const byBucketPolicy = policyBlocksSseC(state.policy, bucket);
  const blocked = byEncryptionSetting || byBucketPolicy;
  const unknown = [state.encryptionError, state.policyError].filter(Boolean).join('; ');
  const sseCBlocked: BucketFindings['sseCBlocked'] = {
    blocked,
    byEncryptionSetting,
    byBucketPolicy,
    message: blocked
      ? `SSE-C writes are already blocked on ${bucket} (${[byEncryptionSetting ? 'BlockedEncryptionTypes in the default encryption' : '', byBucketPolicy ? 'bucket policy Null-condition deny' : ''].filter(Boolean).join(' and ')}).`
      : `SSE-C writes are NOT blocked on ${bucket}: the attacker can keep encrypting with stolen keys.${unknown ? ` (Could not read everything: ${unknown}.)` : ''}`,
    ...(unknown ? { error: unknown } : {}),
  };

  const archived = archivedFinding(bucket, input.restoreStorageClasses ?? {});

  const messages: string[] = [];
  const soonest = rules
    .map((r) => r.cleanVersionsDestroyedFrom)
    .filter((d): d is string => d !== null)
    .sort()[0];
  if (soonest) messages.push(`Clean data is destroyed by lifecycle from ${soonest}. ${lifecycle.message}`);
  else if (rules.length > 0 || state.lifecycleError) messages.push(lifecycle.message);
  if (!sseCBlocked.blocked) messages.push(sseCBlocked.message);
  if (archived) messages.push(archived.message);
  if (!kept) messages.push(versioning.message);
  if (input.backup) messages.push(input.backup.message);
  if (sseCBlocked.blocked) messages.push(sseCBlocked.message);
  if (kept) messages.push(versioning.message);

  return {
    versioning,
    lifecycle,
    sseCBlocked,
    ...(input.backup ? { backup: input.backup } : {}),
    ...(archived ? { archived } : {}),
    messages,
    versioningStatus: v,
    sseCWritesBlocked: blocked,
    lifecycleRules: rules.length,
    cleanDataDestroyedFrom: soonest ?? null,
    backupRecoveryPoints: input.backup?.checked ? input.backup.recoveryPoints.length : null,
    archivedRestoreVersions: archived?.versions ?? 0,
  };
}

function archivedFinding(
  bucket: string,
  classes: Record<string, number>,
): BucketFindings['archived'] | undefined {
  const byStorageClass: Record<string, number> = {};
  let versions = 0;
  for (const [storageClass, n] of Object.entries(classes)) {
    if (!ARCHIVED_STORAGE_CLASSES.has(storageClass) || n <= 0) continue;
    byStorageClass[storageClass] = n;
    versions += n;
  }
  if (versions === 0) return undefined;
  const one = versions === 1;
  const split = Object.entries(byStorageClass)
    .map(([c, n]) => `${n.toLocaleString('en-US')} ${c}`)
    .join(', ');
  return {
    versions,
    byStorageClass,
    message:
      `${versions.toLocaleString('en-US')} clean version${one ? '' : 's'} to restore in ${bucket} ${one ? 'is' : 'are'} archived (${split}): ` +
      `S3 will not copy ${one ? 'it' : 'them'} until ${one ? 'it is' : 'they are'} restored with restore-object, which takes hours ` +
      '(GLACIER 3–5 at the Standard tier, DEEP_ARCHIVE up to 12). Start the restores now: the report lists each with its restoreStorageClass.',
  };
}
