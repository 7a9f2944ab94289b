// Bucket policy, default encryption with BlockedEncryptionTypes, lifecycle and versioning
// configuration, as the AWS S3 API reference and the SSE-C blocking guide document them.

import { randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import { sandboxS3Client } from '../../helpers/aws-clients.ts';

let sandbox: AwsSandbox;
let s3: S3Client;
const key = randomBytes(32) as unknown as string;
let bucketCounter = 0;

async function freshBucket(): Promise<string> {
  const bucket = `config-bucket-${++bucketCounter}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  return bucket;
}

async function outcome(promise: Promise<unknown>): Promise<{ status: number | undefined; code: string }> {
  try {
    await promise;
    return { status: 200, code: 'OK' };
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { status: e.$metadata?.httpStatusCode, code: e.name };
  }
}

const sseCPut = (bucket: string, objectKey = 'ransom.txt') =>
  s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: objectKey,
      Body: 'x',
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: key,
    }),
  );

/** The statement from the AWS post on the Codefinger campaign (DESIGN.md §2 b). */
const denySseCStatement = (bucket: string, resource = `arn:aws:s3:::${bucket}/*`) => ({
  Sid: 'DenySSEC',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:PutObject',
  Resource: resource,
  Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
});

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 11 });
  s3 = sandboxS3Client(sandbox);
});

afterAll(async () => {
  s3?.destroy();
  await sandbox?.stop();
});

describe('bucket policy with the SSE-C Null-condition Deny (AWS post: "prevent SSE-C writes")', () => {
  it('refuses PutObject with SSE-C headers with 403 AccessDenied, and still accepts plain writes', async () => {
    const bucket = await freshBucket();
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [denySseCStatement(bucket)] }),
      }),
    );
    expect(await outcome(sseCPut(bucket))).toEqual({ status: 403, code: 'AccessDenied' });
    expect(
      await outcome(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ok.txt', Body: 'ok' }))),
    ).toEqual({
      status: 200,
      code: 'OK',
    });
  });

  it('refuses the attacker in-place CopyObject with SSE-C and CreateMultipartUpload with SSE-C', async () => {
    const bucket = await freshBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data.csv', Body: 'a,b' }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [denySseCStatement(bucket)] }),
      }),
    );
    const copy = s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'data.csv',
        CopySource: `${bucket}/data.csv`,
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: key,
      }),
    );
    expect(await outcome(copy)).toEqual({ status: 403, code: 'AccessDenied' });
    const multipart = s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: 'big.bin',
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: key,
      }),
    );
    expect(await outcome(multipart)).toEqual({ status: 403, code: 'AccessDenied' });
    // The object is untouched: still readable without a key.
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'data.csv' }));
    expect(await got.Body?.transformToString()).toBe('a,b');
  });

  it('merged into an existing policy, it is enforced next to statements it does not evaluate', async () => {
    const bucket = await freshBucket();
    const existing = {
      Sid: 'AllowReadForAnalytics',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:role/analytics' },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${bucket}/*`,
    };
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [existing, denySseCStatement(bucket)],
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
    expect(await outcome(sseCPut(bucket))).toEqual({ status: 403, code: 'AccessDenied' });
    const stored = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    expect(JSON.parse(stored.Policy ?? '{}')).toEqual(JSON.parse(policy));
  });

  it('applies only to the keys its Resource matches', async () => {
    const bucket = await freshBucket();
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({
          Statement: [denySseCStatement(bucket, `arn:aws:s3:::${bucket}/finance/*`)],
        }),
      }),
    );
    expect((await outcome(sseCPut(bucket, 'finance/q1.xlsx'))).status).toBe(403);
    expect((await outcome(sseCPut(bucket, 'public/readme.txt'))).status).toBe(200);
  });

  it('a Deny without the Null condition is not the pattern and is not enforced (documented limit)', async () => {
    const bucket = await freshBucket();
    const { Condition: _ignored, ...unconditional } = denySseCStatement(bucket);
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Statement: [unconditional] }) }),
    );
    expect((await outcome(sseCPut(bucket))).status).toBe(200);
  });

  it('a Null condition of "true" (header absent) is a different statement: SSE-C writes are not refused', async () => {
    const bucket = await freshBucket();
    const inverted = {
      ...denySseCStatement(bucket),
      Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'true' } },
    };
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Statement: [inverted] }) }),
    );
    expect((await outcome(sseCPut(bucket))).status).toBe(200);
  });

  it('GetBucketPolicy without a policy is 404 NoSuchBucketPolicy; DeleteBucketPolicy lifts the block', async () => {
    const bucket = await freshBucket();
    expect(await outcome(s3.send(new GetBucketPolicyCommand({ Bucket: bucket })))).toEqual({
      status: 404,
      code: 'NoSuchBucketPolicy',
    });
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({ Statement: [denySseCStatement(bucket)] }),
      }),
    );
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    expect((await outcome(sseCPut(bucket))).status).toBe(200);
  });

  it('a policy that is not JSON is 400 MalformedPolicy', async () => {
    const bucket = await freshBucket();
    expect(
      await outcome(s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: 'not json' }))),
    ).toEqual({
      status: 400,
      code: 'MalformedPolicy',
    });
  });
});

describe('default encryption with BlockedEncryptionTypes (AWS: "Blocking or unblocking SSE-C for a general purpose bucket")', () => {
  const blockSseC = (bucket: string) =>
    s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
              BucketKeyEnabled: false,
              BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
            },
          ],
        },
      }),
    );

  it('GetBucketEncryption of a bucket nobody configured answers the SSE-S3 default (all buckets since 2023)', async () => {
    const bucket = await freshBucket();
    const out = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(out.ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false },
    ]);
  });

  it('blocks PutObject, CopyObject and multipart uploads that specify SSE-C with 403 AccessDenied', async () => {
    const bucket = await freshBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data.csv', Body: 'a,b' }));
    await blockSseC(bucket);
    expect(await outcome(sseCPut(bucket))).toEqual({ status: 403, code: 'AccessDenied' });
    const copy = s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'data.csv',
        CopySource: `${bucket}/data.csv`,
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: key,
      }),
    );
    expect((await outcome(copy)).status).toBe(403);
    const multipart = s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: 'm.bin',
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: key,
      }),
    );
    expect((await outcome(multipart)).status).toBe(403);
    expect(
      (await outcome(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: 'p' })))).status,
    ).toBe(200);
  });

  it('blocks the parts of an SSE-C multipart upload started before the block', async () => {
    const bucket = await freshBucket();
    const upload = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: 'm.bin',
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: key,
      }),
    );
    await blockSseC(bucket);
    const part = s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: 'm.bin',
        UploadId: upload.UploadId,
        PartNumber: 1,
        Body: 'x',
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: key,
      }),
    );
    expect((await outcome(part)).status).toBe(403);
  });

  it('existing SSE-C objects stay readable with their key after the block', async () => {
    const bucket = await freshBucket();
    await sseCPut(bucket, 'before.txt');
    await blockSseC(bucket);
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'before.txt',
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: key,
      }),
    );
    expect(await got.Body?.transformToString()).toBe('x');
  });

  it('GetBucketEncryption returns the rule with its BlockedEncryptionTypes', async () => {
    const bucket = await freshBucket();
    await blockSseC(bucket);
    const got = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(got.ServerSideEncryptionConfiguration?.Rules).toEqual([
      {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
        BucketKeyEnabled: false,
        BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
      },
    ]);
  });

  it('PutBucketEncryption replaces the whole configuration: re-sending without the block lifts it', async () => {
    const bucket = await freshBucket();
    await blockSseC(bucket);
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/data' } },
          ],
        },
      }),
    );
    const got = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(got.ServerSideEncryptionConfiguration?.Rules?.[0]?.BlockedEncryptionTypes).toBeUndefined();
    expect((await outcome(sseCPut(bucket))).status).toBe(200);
  });

  it('DeleteBucketEncryption removes the block', async () => {
    const bucket = await freshBucket();
    await blockSseC(bucket);
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
    expect((await outcome(sseCPut(bucket))).status).toBe(200);
  });

  it('a default SSE-KMS rule encrypts new plain writes with the bucket key', async () => {
    const bucket = await freshBucket();
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/data' } },
          ],
        },
      }),
    );
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k.txt', Body: 'k' }));
    expect(put.ServerSideEncryption).toBe('aws:kms');
    expect(put.SSEKMSKeyId).toBe('alias/data');
  });
});

describe('lifecycle configuration (stored as given, never executed)', () => {
  const attackerRule = {
    ID: 'expire-all',
    Status: 'Enabled' as const,
    Filter: { Prefix: '' },
    Expiration: { Days: 7 },
    NoncurrentVersionExpiration: { NoncurrentDays: 1 },
  };

  it('GetBucketLifecycleConfiguration with none set is 404 NoSuchLifecycleConfiguration', async () => {
    const bucket = await freshBucket();
    expect(await outcome(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })))).toEqual({
      status: 404,
      code: 'NoSuchLifecycleConfiguration',
    });
  });

  it('round-trips the attacker rule, and deleting it restores the 404', async () => {
    const bucket = await freshBucket();
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: [attackerRule] },
      }),
    );
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    expect(got.Rules).toEqual([attackerRule]);
    expect(sandbox.s3.bucketConfig(bucket).lifecycleXml).toContain('<NoncurrentDays>1</NoncurrentDays>');
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));
    expect(
      (await outcome(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })))).status,
    ).toBe(404);
  });

  it('is not executed: versions older than the rule allows are still there', async () => {
    const bucket = await freshBucket();
    sandbox.s3.seed(bucket, [
      { key: 'old.txt', body: Buffer.from('old'), lastModified: new Date('2020-01-01') },
    ]);
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: [attackerRule] },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'old.txt' }));
    expect(await got.Body?.transformToString()).toBe('old');
  });
});

describe('versioning configuration', () => {
  it('a never-versioned bucket reports no Status; Enabled and Suspended round-trip', async () => {
    const bucket = 'config-versioning';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBeUndefined();
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Enabled');
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }),
    );
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Suspended');
  });

  it('configuration calls on a missing bucket answer 404 NoSuchBucket', async () => {
    expect(await outcome(s3.send(new GetBucketVersioningCommand({ Bucket: 'no-such-bucket-here' })))).toEqual(
      {
        status: 404,
        code: 'NoSuchBucket',
      },
    );
  });
});
