import { type IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

export interface BucketVerdict {
  attacked: number;
  readable: number;
  stillEncrypted: string[];
  keyStatus: string;
  sseCBlocked: boolean;
  sseCBlockedBy: string[];
  lifecycleDefused: boolean;
  lifecycleRules: { id: string; status: string }[];
}

const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * Checks the end state independently of the bot, as a responder would with the AWS CLI: every
 * attacked key readable without a key, the leaked key inactive, SSE-C writes refused, the
 * attacker's lifecycle rule disabled.
 */
export async function verifyBucket(opts: {
  s3: S3Client;
  iam: IAMClient;
  bucket: string;
  attackedKeys: string[];
  attackerUser: string;
  concurrency?: number;
}): Promise<BucketVerdict> {
  const stillEncrypted: string[] = [];
  let readable = 0;
  let next = 0;
  const worker = async () => {
    while (next < opts.attackedKeys.length) {
      const key = opts.attackedKeys[next++]!;
      try {
        await opts.s3.send(new HeadObjectCommand({ Bucket: opts.bucket, Key: key }));
        readable++;
      } catch (e) {
        stillEncrypted.push(`${key} (HTTP ${status(e) ?? '?'})`);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 32 }, worker));

  const keys = await opts.iam.send(new ListAccessKeysCommand({ UserName: opts.attackerUser }));
  const keyStatus = (keys.AccessKeyMetadata ?? []).map((k) => k.Status).join(',') || 'none';

  const sseCBlockedBy: string[] = [];
  try {
    const enc = await opts.s3.send(new GetBucketEncryptionCommand({ Bucket: opts.bucket }));
    const blocked = enc.ServerSideEncryptionConfiguration?.Rules?.some((r) =>
      r.BlockedEncryptionTypes?.EncryptionType?.includes('SSE-C'),
    );
    if (blocked) sseCBlockedBy.push('bucket encryption BlockedEncryptionTypes');
  } catch {}
  try {
    const policy = await opts.s3.send(new GetBucketPolicyCommand({ Bucket: opts.bucket }));
    if (policy.Policy?.includes('s3:x-amz-server-side-encryption-customer-algorithm'))
      sseCBlockedBy.push('bucket policy');
  } catch {}
  // The proof: an SSE-C write is refused now.
  let sseCRefused = false;
  try {
    const key = Buffer.alloc(32, 7);
    await opts.s3.send(
      new PutObjectCommand({
        Bucket: opts.bucket,
        Key: 'ssec-drill-probe.txt',
        Body: 'probe',
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: key.toString('base64'),
      }),
    );
  } catch (e) {
    sseCRefused = status(e) === 403;
  }

  let lifecycleRules: { id: string; status: string }[] = [];
  try {
    const lc = await opts.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: opts.bucket }));
    lifecycleRules = (lc.Rules ?? []).map((r) => ({ id: r.ID ?? '(no id)', status: r.Status ?? '?' }));
  } catch {}
  const lifecycleDefused = lifecycleRules.every((r) => r.status !== 'Enabled');

  return {
    attacked: opts.attackedKeys.length,
    readable,
    stillEncrypted: stillEncrypted.sort(),
    keyStatus,
    sseCBlocked: sseCRefused && sseCBlockedBy.length > 0,
    sseCBlockedBy,
    lifecycleDefused,
    lifecycleRules,
  };
}
