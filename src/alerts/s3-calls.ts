// Which S3 API calls in CloudTrail are steps of an SSE-C ransomware attack, and how bad each is.
// The grading is documented in severity.ts.

import type { CloudTrailRecord } from './cloudtrail-record.ts';
import { expiresCurrent, expiresNoncurrent, summarizeLifecycle } from './lifecycle.ts';
import { SHORT_LIFECYCLE_DAYS } from './severity.ts';
import type { AlertSignal, LifecycleDetails, ParseResult, Severity } from './types.ts';
import {
  asBucketName,
  asList,
  isRecord,
  pick,
  sampleObjectKeys,
  splitObjectArn,
  uniqueDefined,
} from './values.ts';

export interface Classified {
  kind: 'classified';
  title: string;
  description?: string;
  severity: Severity;
  signals: AlertSignal[];
  buckets: string[];
  objectKeys: string[];
  lifecycle?: LifecycleDetails;
}

const WRITES = new Set(['CopyObject', 'PutObject', 'CreateMultipartUpload']);
const LIFECYCLE = new Set(['PutBucketLifecycle', 'PutBucketLifecycleConfiguration']);

export function classifyS3Call(
  record: CloudTrailRecord,
  accountId: string | undefined,
): Classified | ParseResult {
  const name = record.eventName;
  if (
    !WRITES.has(name) &&
    !LIFECYCLE.has(name) &&
    name !== 'PutBucketVersioning' &&
    name !== 'DeleteObjects'
  ) {
    return { kind: 'ignored', reason: `CloudTrail s3.amazonaws.com ${name} is not an attack signal` };
  }
  const bucket = bucketOf(record);
  if (!bucket) {
    return { kind: 'invalid', reason: `CloudTrail ${name}: detail.requestParameters.bucketName is missing` };
  }
  if (WRITES.has(name)) return classifyWrite(record, bucket, accountId);
  if (LIFECYCLE.has(name)) return classifyLifecycle(record, bucket);
  if (name === 'PutBucketVersioning') return classifyVersioning(record, bucket);
  return classifyBulkDelete(record, bucket);
}

function classifyWrite(
  record: CloudTrailRecord,
  bucket: string,
  accountId: string | undefined,
): Classified | ParseResult {
  const params = record.requestParameters;
  const name = record.eventName;
  const key = pick(params, 'key');
  const objectKeys = sampleObjectKeys([
    key,
    ...record.resources.filter((r) => r.type === 'AWS::S3::Object').map((r) => splitObjectArn(r.ARN)?.key),
  ]);
  if (usesSseC(record)) {
    const inPlace = name === 'CopyObject' && typeof key === 'string' && copiesOntoItself(params, bucket, key);
    return {
      kind: 'classified',
      title: inPlace ? 'SSE-C re-encryption in place (CopyObject onto itself)' : `SSE-C write (${name})`,
      severity: inPlace ? 'critical' : 'high',
      signals: inPlace ? ['sse-c-write', 'in-place-copy'] : ['sse-c-write'],
      buckets: [bucket],
      objectKeys,
    };
  }
  const foreignKey = foreignKmsKey(params, accountId);
  if (foreignKey) {
    return {
      kind: 'classified',
      title: `Write encrypted with another account's KMS key (${name})`,
      description: `KMS key ${foreignKey}`,
      severity: 'high',
      signals: ['foreign-kms-write'],
      buckets: [bucket],
      objectKeys,
    };
  }
  return { kind: 'ignored', reason: `${name} on ${bucket} without SSE-C is not an attack signal` };
}

function usesSseC(record: CloudTrailRecord): boolean {
  const algorithm = pick(record.requestParameters, 'x-amz-server-side-encryption-customer-algorithm');
  const applied = pick(record.additionalEventData, 'SSEApplied');
  return (typeof algorithm === 'string' && algorithm.trim() !== '') || applied === 'SSE_C';
}

/** `x-amz-copy-source` is `bucket/key` or `/bucket/key`, maybe URL-encoded, maybe `?versionId=`. */
function copiesOntoItself(params: unknown, bucket: string, key: string): boolean {
  const source = pick(params, 'x-amz-copy-source');
  if (typeof source !== 'string') return false;
  const raw = source.replace(/^\//, '').replace(/\?versionId=.*$/s, '');
  const target = `${bucket}/${key}`;
  return raw === target || safeDecode(raw) === target || safeDecode(raw) === safeDecode(target);
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function foreignKmsKey(params: unknown, accountId: string | undefined): string | undefined {
  const keyId = pick(params, 'x-amz-server-side-encryption-aws-kms-key-id');
  if (typeof keyId !== 'string' || accountId === undefined) return undefined;
  const owner = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:(\d{12}):/.exec(keyId)?.[1];
  return owner !== undefined && owner !== accountId ? keyId.slice(0, 2048) : undefined;
}

function classifyLifecycle(record: CloudTrailRecord, bucket: string): Classified | ParseResult {
  const configuration = pick(record.requestParameters, 'LifecycleConfiguration');
  if (!isRecord(configuration)) {
    return {
      kind: 'invalid',
      reason: `CloudTrail ${record.eventName}: detail.requestParameters.LifecycleConfiguration is missing`,
    };
  }
  const lifecycle = summarizeLifecycle(configuration);
  const current = expiresCurrent(lifecycle);
  const noncurrent = expiresNoncurrent(lifecycle);
  if (!current && !noncurrent) {
    return {
      kind: 'ignored',
      reason: `lifecycle configuration for ${bucket} has no enabled expiration rule`,
    };
  }
  const signals: AlertSignal[] = [];
  const parts: string[] = [];
  if (current) {
    signals.push('lifecycle-expire-current');
    parts.push(
      lifecycle.expireCurrentAfterDays !== undefined
        ? `current versions after ${lifecycle.expireCurrentAfterDays} days`
        : `current versions on ${lifecycle.expireCurrentOn?.toISOString().slice(0, 10)}`,
    );
  }
  if (noncurrent) {
    signals.push('lifecycle-expire-noncurrent');
    parts.push(`noncurrent versions after ${lifecycle.expireNoncurrentAfterDays} days`);
  }
  return {
    kind: 'classified',
    title: `Lifecycle rule expires ${parts.join(' and ')}`,
    severity: lifecycleSeverity(lifecycle),
    signals,
    buckets: [bucket],
    objectKeys: [],
    lifecycle,
  };
}

function lifecycleSeverity(lifecycle: LifecycleDetails): Severity {
  const noncurrent = lifecycle.expireNoncurrentAfterDays;
  if (noncurrent !== undefined) return noncurrent <= SHORT_LIFECYCLE_DAYS ? 'critical' : 'high';
  const current = lifecycle.expireCurrentAfterDays;
  // Expiry on a fixed date is rare in legitimate configurations and is usually close.
  const onDate = lifecycle.expireCurrentOn !== undefined;
  return onDate || (current !== undefined && current <= SHORT_LIFECYCLE_DAYS) ? 'high' : 'medium';
}

function classifyVersioning(record: CloudTrailRecord, bucket: string): Classified | ParseResult {
  const status = pick(record.requestParameters, 'VersioningConfiguration', 'Status');
  if (typeof status !== 'string') {
    return {
      kind: 'invalid',
      reason:
        'CloudTrail PutBucketVersioning: detail.requestParameters.VersioningConfiguration.Status is missing',
    };
  }
  if (status !== 'Suspended') {
    return {
      kind: 'ignored',
      reason: `versioning of ${bucket} set to ${status.slice(0, 32)} is not an attack signal`,
    };
  }
  return {
    kind: 'classified',
    title: 'Bucket versioning suspended',
    severity: 'high',
    signals: ['versioning-suspended'],
    buckets: [bucket],
    objectKeys: [],
  };
}

/** CloudTrail usually logs `"delete": ""` without the keys; some pipelines keep the request body. */
function classifyBulkDelete(record: CloudTrailRecord, bucket: string): Classified {
  const body = pick(record.requestParameters, 'delete') ?? pick(record.requestParameters, 'Delete');
  const entries = ['Object', 'Objects', 'objects'].flatMap((field) => asList(pick(body, field)));
  return {
    kind: 'classified',
    title: 'Bulk delete (DeleteObjects)',
    severity: 'high',
    signals: ['bulk-delete'],
    buckets: [bucket],
    objectKeys: sampleObjectKeys(entries.map((e) => pick(e, 'Key') ?? pick(e, 'key'))),
  };
}

function bucketOf(record: CloudTrailRecord): string | undefined {
  const fromResources = record.resources
    .filter((r) => r.type === 'AWS::S3::Bucket')
    .map((r) => asBucketName(r.ARN));
  return uniqueDefined([asBucketName(pick(record.requestParameters, 'bucketName')), ...fromResources])[0];
}
