import {
  DeleteBucketEncryptionCommand,
  DeleteBucketPolicyCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  type S3Client,
  type ServerSideEncryptionRule,
} from '@aws-sdk/client-s3';
import { isNotFound } from '../aws-errors.ts';
import { type ContainStep, ids, sameJson } from './step.ts';

// ---- (a) BlockedEncryptionTypes in the default-encryption rule ----

export interface EncryptionBefore {
  /** The bucket's default-encryption rules, or null when it had none. */
  rules: ServerSideEncryptionRule[] | null;
}

const blocksSseC = (rule: ServerSideEncryptionRule) =>
  rule.BlockedEncryptionTypes?.EncryptionType?.includes('SSE-C') === true;

/**
 * PutBucketEncryption replaces the whole configuration, so the block is added to the existing
 * rules (an SSE-KMS key and BucketKeyEnabled survive); with none, S3's own default (SSE-S3).
 */
export function withSseCBlocked(rules: ServerSideEncryptionRule[] | null): ServerSideEncryptionRule[] {
  const base: ServerSideEncryptionRule[] =
    rules && rules.length > 0 ? rules : [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }];
  return base.map((rule) =>
    blocksSseC(rule)
      ? rule
      : {
          ...rule,
          BlockedEncryptionTypes: {
            EncryptionType: [...(rule.BlockedEncryptionTypes?.EncryptionType ?? []), 'SSE-C'],
          },
        },
  ) as ServerSideEncryptionRule[];
}

export function withoutSseCBlock(rules: ServerSideEncryptionRule[]): ServerSideEncryptionRule[] {
  return rules.map((rule) => {
    const rest = (rule.BlockedEncryptionTypes?.EncryptionType ?? []).filter((t) => t !== 'SSE-C');
    const { BlockedEncryptionTypes: _dropped, ...others } = rule;
    return rest.length > 0 ? { ...others, BlockedEncryptionTypes: { EncryptionType: rest } } : others;
  }) as ServerSideEncryptionRule[];
}

/** Rules as compared: S3 answers `BucketKeyEnabled: false` where none was sent. */
function normalized(rules: ServerSideEncryptionRule[] | null): unknown {
  return (rules ?? []).map(({ BucketKeyEnabled, ...rest }) =>
    BucketKeyEnabled ? { ...rest, BucketKeyEnabled } : rest,
  );
}

function describeRule(rule: ServerSideEncryptionRule): string {
  const d = rule.ApplyServerSideEncryptionByDefault;
  const parts = [d?.SSEAlgorithm ?? 'no default algorithm'];
  if (d?.KMSMasterKeyID) parts.push(`key ${d.KMSMasterKeyID}`);
  if (rule.BucketKeyEnabled) parts.push('BucketKeyEnabled');
  return parts.join(', ');
}

async function readEncryption(s3: S3Client, bucket: string): Promise<ServerSideEncryptionRule[] | null> {
  try {
    const out = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    return out.ServerSideEncryptionConfiguration?.Rules ?? null;
  } catch (error) {
    if (isNotFound(error, ['ServerSideEncryptionConfigurationNotFoundError'])) return null;
    throw error;
  }
}

async function putEncryption(
  s3: S3Client,
  bucket: string,
  rules: ServerSideEncryptionRule[],
): Promise<string[]> {
  return ids(
    await s3.send(
      new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: rules } }),
    ),
  );
}

export function blockSseCEncryptionStep(s3: S3Client, bucket: string): ContainStep<EncryptionBefore> {
  return {
    descriptor: { kind: 'block-sse-c-encryption', target: bucket },
    async inspect() {
      const rules = await readEncryption(s3, bucket);
      const blocked = rules !== null && rules.length > 0 && rules.every(blocksSseC);
      const kept = withSseCBlocked(rules).map(describeRule).join('; ');
      return {
        before: { rules },
        needsChange: !blocked,
        changes: blocked
          ? []
          : [
              `bucket ${bucket}: default encryption ${rules ? `(${kept}) re-sent` : `none → ${kept}`} with BlockedEncryptionTypes SSE-C`,
            ],
      };
    },
    async apply(inspection) {
      return putEncryption(s3, bucket, withSseCBlocked(inspection.before.rules));
    },
    async planRevert(before) {
      const now = await readEncryption(s3, bucket);
      if (now === null || !now.some(blocksSseC)) return null;
      if (sameJson(normalized(now), normalized(withSseCBlocked(before.rules)))) {
        const previous = before.rules;
        if (previous === null) {
          return {
            changes: [`bucket ${bucket}: default encryption deleted (none before)`],
            run: async () => ids(await s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }))),
          };
        }
        return {
          changes: [
            `bucket ${bucket}: default encryption restored (${previous.map(describeRule).join('; ')})`,
          ],
          run: () => putEncryption(s3, bucket, previous),
        };
      }
      // Someone changed the configuration since: take back only our block, keep their change.
      return {
        changes: [`bucket ${bucket}: encryption changed since containment; only the SSE-C block removed`],
        run: () => putEncryption(s3, bucket, withoutSseCBlock(now)),
      };
    },
  };
}

// ---- (b) the Deny statement merged into the bucket policy ----

export const SSEC_DENY_SID = 'SsecResponderDenySSEC';

export interface PolicyBefore {
  /** The bucket policy text exactly as it was, or null when the bucket had none. */
  policy: string | null;
}

type Statement = Record<string, unknown>;
interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: Statement[];
  [other: string]: unknown;
}

/** The statement from the AWS security blog's SSE-C guidance: deny any write that carries SSE-C headers. */
export function denySseCStatement(bucket: string): Statement {
  return {
    Sid: SSEC_DENY_SID,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:PutObject',
    Resource: `arn:aws:s3:::${bucket}/*`,
    Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
  };
}

function parsePolicy(policy: string | null): PolicyDocument {
  if (policy === null) return { Version: '2012-10-17', Statement: [] };
  const doc = JSON.parse(policy) as Record<string, unknown>;
  const statement = doc['Statement'];
  return {
    ...doc,
    Statement: Array.isArray(statement)
      ? (statement as Statement[])
      : statement
        ? [statement as Statement]
        : [],
  };
}

/** The policy with our statement added (or brought up to date); every other statement untouched. */
export function mergeDenyStatement(
  policy: string | null,
  bucket: string,
): { document: PolicyDocument; changed: boolean } {
  const doc = parsePolicy(policy);
  const ours = denySseCStatement(bucket);
  const index = doc.Statement.findIndex((s) => s['Sid'] === SSEC_DENY_SID);
  if (index >= 0 && sameJson(doc.Statement[index], ours)) return { document: doc, changed: false };
  const statements = [...doc.Statement];
  if (index >= 0) statements[index] = ours;
  else statements.push(ours);
  return { document: { ...doc, Statement: statements }, changed: true };
}

/** The policy without our statement (with `restore` in its place if there was one before); null if empty. */
export function removeDenyStatement(policy: string, restore?: Statement): PolicyDocument | null {
  const doc = parsePolicy(policy);
  const statements = doc.Statement.filter((s) => s['Sid'] !== SSEC_DENY_SID);
  if (restore) statements.push(restore);
  return statements.length === 0 ? null : { ...doc, Statement: statements };
}

async function readPolicy(s3: S3Client, bucket: string): Promise<string | null> {
  try {
    return (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? null;
  } catch (error) {
    if (isNotFound(error, ['NoSuchBucketPolicy'])) return null;
    throw error;
  }
}

export function blockSseCPolicyStep(s3: S3Client, bucket: string): ContainStep<PolicyBefore> {
  const put = async (doc: unknown) =>
    ids(await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(doc) })));
  const putText = async (text: string) =>
    ids(await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: text })));
  const remove = async () => ids(await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket })));
  return {
    descriptor: { kind: 'block-sse-c-policy', target: bucket },
    async inspect() {
      const policy = await readPolicy(s3, bucket);
      const { document, changed } = mergeDenyStatement(policy, bucket);
      const others = document.Statement.filter((s) => s['Sid'] !== SSEC_DENY_SID).length;
      return {
        before: { policy },
        needsChange: changed,
        changes: changed
          ? [
              `bucket ${bucket}: ${policy === null ? 'new bucket policy with' : 'add to bucket policy'} statement ${SSEC_DENY_SID} (Deny s3:PutObject with SSE-C headers); ${others} other statement(s) kept`,
            ]
          : [],
      };
    },
    async apply(inspection) {
      return put(mergeDenyStatement(inspection.before.policy, bucket).document);
    },
    async planRevert(before) {
      const now = await readPolicy(s3, bucket);
      if (now === null || !parsePolicy(now).Statement.some((s) => s['Sid'] === SSEC_DENY_SID)) return null;
      const previous = before.policy;
      if (previous !== null && sameJson(JSON.parse(now), mergeDenyStatement(previous, bucket).document)) {
        // Untouched since: put back the exact text the bucket had.
        return {
          changes: [`bucket ${bucket}: bucket policy restored as it was`],
          run: () => putText(previous),
        };
      }
      const earlier =
        previous === null
          ? undefined
          : parsePolicy(previous).Statement.find((s) => s['Sid'] === SSEC_DENY_SID);
      const rest = removeDenyStatement(now, earlier);
      if (rest === null)
        return { changes: [`bucket ${bucket}: bucket policy deleted (none before)`], run: remove };
      return {
        changes: [`bucket ${bucket}: statement ${SSEC_DENY_SID} removed; other statements kept`],
        run: () => put(rest),
      };
    },
  };
}
