import type { ServerSideEncryptionRule } from '@aws-sdk/client-s3';

const SSE_C_CONDITION_KEY = 's3:x-amz-server-side-encryption-customer-algorithm';

/** The bucket's default-encryption setting blocks SSE-C writes (`BlockedEncryptionTypes`). */
export function encryptionBlocksSseC(rules: readonly ServerSideEncryptionRule[] | undefined): boolean {
  return (rules ?? []).some((r) => r.BlockedEncryptionTypes?.EncryptionType?.includes('SSE-C') ?? false);
}

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: unknown;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/**
 * The bucket policy holds the statement from the AWS post: Deny `s3:PutObject` on the bucket's
 * objects to everyone when the SSE-C algorithm header is present (`Null` ... `false`). Condition
 * keys and actions are case-insensitive in IAM; wildcards that cover the same ground count too.
 */
export function policyBlocksSseC(policyText: string | undefined, bucket: string): boolean {
  if (!policyText) return false;
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(policyText) as { Statement?: unknown };
  } catch {
    return false;
  }
  return asList(policy.Statement).some((s) => isSseCDeny(s as Statement, bucket));
}

function isSseCDeny(s: Statement, bucket: string): boolean {
  if (s.Effect !== 'Deny') return false;
  const principal = s.Principal;
  const everyone =
    principal === '*' ||
    (typeof principal === 'object' &&
      principal !== null &&
      asList((principal as { AWS?: unknown }).AWS).includes('*'));
  if (!everyone) return false;
  const actions = asList(s.Action).map((a) => String(a).toLowerCase());
  if (!actions.some((a) => a === 's3:putobject' || a === 's3:*' || a === '*' || a === 's3:put*'))
    return false;
  const objects = new RegExp(`^arn:aws[a-z-]*:s3:::(${escapeRegExp(bucket)}|\\*)/\\*$`);
  if (!asList(s.Resource).some((r) => r === '*' || objects.test(String(r)))) return false;
  const conditions = (s.Condition ?? {}) as Record<string, unknown>;
  const nullBlock = Object.entries(conditions).find(([op]) => op.toLowerCase() === 'null')?.[1];
  if (typeof nullBlock !== 'object' || nullBlock === null) return false;
  const value = Object.entries(nullBlock as Record<string, unknown>).find(
    ([k]) => k.toLowerCase() === SSE_C_CONDITION_KEY,
  )?.[1];
  return asList(value).some((v) => String(v).toLowerCase() === 'false');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
