// The two bucket-level ways to stop SSE-C writes (DESIGN.md §2): `BlockedEncryptionTypes: SSE-C` in
// the default-encryption rule, and the bucket-policy Deny of s3:PutObject with the Null condition on
// the SSE-C algorithm header. Only that one policy pattern is evaluated; every other statement is
// stored and returned but not enforced, which is documented as a limit of the stand-in.

import { accessDenied } from './s3-errors.ts';
import type { Bucket } from './s3-model.ts';

const SSE_C_CONDITION_KEY = 's3:x-amz-server-side-encryption-customer-algorithm';

/** The caller as a bucket policy's Principal would name it. */
export interface Caller {
  accountId: string;
  userName: string | undefined;
}

/**
 * Refuses a write that carries SSE-C headers (PutObject, CopyObject, CreateMultipartUpload,
 * UploadPart, UploadPartCopy) with 403 AccessDenied when the bucket blocks it.
 */
export function assertSseCWriteAllowed(bucket: Bucket, key: string, caller: Caller): void {
  if (bucket.encryption?.some((rule) => rule.blockedEncryptionTypes?.includes('SSE-C'))) throw accessDenied();
  if (bucket.policy && policyDeniesSseCPut(bucket.policy, bucket.name, key, caller)) throw accessDenied();
}

type Json = unknown;

function asArray(value: Json): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

// IAM action names are case-insensitive; ARNs (and so S3 keys) are not.
function globToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, caseInsensitive ? 'is' : 's');
}

function matchesAny(patterns: Json[], value: string, caseInsensitive: boolean): boolean {
  return patterns.some((p) => typeof p === 'string' && globToRegExp(p, caseInsensitive).test(value));
}

function principalMatches(principal: Json, caller: Caller): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const aws = asArray((principal as Record<string, Json>)['AWS']);
  const names = [
    '*',
    caller.accountId,
    `arn:aws:iam::${caller.accountId}:root`,
    ...(caller.userName ? [`arn:aws:iam::${caller.accountId}:user/${caller.userName}`] : []),
  ];
  return aws.some((p) => typeof p === 'string' && names.includes(p));
}

/** `{"Null": {"s3:x-amz-server-side-encryption-customer-algorithm": "false"}}` and nothing else. */
function isSseCNullCondition(condition: Json): boolean {
  if (typeof condition !== 'object' || condition === null) return false;
  const operators = Object.entries(condition as Record<string, Json>);
  if (operators.length !== 1) return false;
  const [operator, block] = operators[0] as [string, Json];
  if (operator !== 'Null' || typeof block !== 'object' || block === null) return false;
  const entries = Object.entries(block as Record<string, Json>);
  if (entries.length !== 1) return false;
  const [conditionKey, value] = entries[0] as [string, Json];
  if (conditionKey.toLowerCase() !== SSE_C_CONDITION_KEY) return false;
  const values = asArray(value);
  return values.length === 1 && String(values[0]).toLowerCase() === 'false';
}

export function policyDeniesSseCPut(policy: string, bucket: string, key: string, caller: Caller): boolean {
  let document: Json;
  try {
    document = JSON.parse(policy);
  } catch {
    return false;
  }
  const statements = asArray((document as Record<string, Json>)?.['Statement']);
  return statements.some((s) => {
    if (typeof s !== 'object' || s === null) return false;
    const statement = s as Record<string, Json>;
    return (
      statement['Effect'] === 'Deny' &&
      principalMatches(statement['Principal'], caller) &&
      matchesAny(asArray(statement['Action']), 's3:PutObject', true) &&
      matchesAny(asArray(statement['Resource']), `arn:aws:s3:::${bucket}/${key}`, false) &&
      isSseCNullCondition(statement['Condition'])
    );
  });
}
