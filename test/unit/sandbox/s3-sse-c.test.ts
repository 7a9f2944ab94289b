// SSE-C as AWS documents it ("Using server-side encryption with customer-provided keys",
// DESIGN.md §2), through the real SDK over HTTP. moto accepts SSE-C headers and ignores them, so
// these behaviours are pinned here from the documentation rather than in the conformance suite.

import { createHash, randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseCKeyMd5 } from '../../../src/sandbox/aws/s3-sse-c.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import { sandboxS3Client } from '../../helpers/aws-clients.ts';

const attackerKey = randomBytes(32);
const otherKey = randomBytes(32);
const BUCKET = 'victim-bucket';

let sandbox: AwsSandbox;
let s3: S3Client;

async function status(
  promise: Promise<unknown>,
): Promise<{ status: number | undefined; name: string; message: string }> {
  try {
    await promise;
    return { status: 200, name: 'none', message: '' };
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { status: e.$metadata?.httpStatusCode, name: e.name, message: e.message };
  }
}

/** Writes a clean version, then re-encrypts it in place with the attacker's key (the Codefinger move). */
async function encryptedObject(key: string): Promise<{ cleanVersionId: string; encryptedVersionId: string }> {
  const clean = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `clean ${key}` }));
  const encrypted = await s3.send(
    new CopyObjectCommand({
      Bucket: BUCKET,
      Key: key,
      CopySource: `${BUCKET}/${encodeURIComponent(key)}`,
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: attackerKey as unknown as string,
    }),
  );
  return { cleanVersionId: clean.VersionId as string, encryptedVersionId: encrypted.VersionId as string };
}

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 7 });
  s3 = sandboxS3Client(sandbox);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
  );
});

afterAll(async () => {
  s3?.destroy();
  await sandbox?.stop();
});

describe('SSE-C reads (AWS: "you must provide the same encryption key" to retrieve the object)', () => {
  it('HeadObject without the key answers 400 with an empty body, so the SDK cannot name the error', async () => {
    await encryptedObject('head/no-key.txt');
    const result = await status(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'head/no-key.txt' })));
    expect(result.status).toBe(400);
    // An empty HEAD body leaves the SDK nothing but the status code: DESIGN.md §2.
    expect(result.name).toBe('Unknown');
  });

  it('GetObject without the key answers 400 InvalidRequest with S3 message', async () => {
    await encryptedObject('get/no-key.txt');
    const result = await status(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'get/no-key.txt' })));
    expect(result).toEqual({
      status: 400,
      name: 'InvalidRequest',
      message:
        'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
    });
  });

  it('a wrong key is refused with 403 AccessDenied', async () => {
    await encryptedObject('get/wrong-key.txt');
    const result = await status(
      s3.send(
        new GetObjectCommand({
          Bucket: BUCKET,
          Key: 'get/wrong-key.txt',
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: otherKey as unknown as string,
        }),
      ),
    );
    expect(result.status).toBe(403);
    expect(result.name).toBe('AccessDenied');
    const head = await status(
      s3.send(
        new HeadObjectCommand({
          Bucket: BUCKET,
          Key: 'get/wrong-key.txt',
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: otherKey as unknown as string,
        }),
      ),
    );
    expect(head.status).toBe(403);
  });

  it('the right key reads the object and the response echoes algorithm and key MD5', async () => {
    await encryptedObject('get/right-key.txt');
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: 'get/right-key.txt',
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: attackerKey as unknown as string,
      }),
    );
    expect(await got.Body?.transformToString()).toBe('clean get/right-key.txt');
    expect(got.SSECustomerAlgorithm).toBe('AES256');
    expect(got.SSECustomerKeyMD5).toBe(createHash('md5').update(attackerKey).digest('base64'));
  });

  it('HeadObject reports SSECustomerAlgorithm only when the key is sent', async () => {
    const { cleanVersionId } = await encryptedObject('head/echo.txt');
    const withKey = await s3.send(
      new HeadObjectCommand({
        Bucket: BUCKET,
        Key: 'head/echo.txt',
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: attackerKey as unknown as string,
      }),
    );
    expect(withKey.SSECustomerAlgorithm).toBe('AES256');
    const clean = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'head/echo.txt', VersionId: cleanVersionId }),
    );
    expect(clean.SSECustomerAlgorithm).toBeUndefined();
    expect(clean.ServerSideEncryption).toBe('AES256');
  });

  it('the clean noncurrent version stays readable without any key', async () => {
    const { cleanVersionId } = await encryptedObject('get/noncurrent.txt');
    const got = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'get/noncurrent.txt', VersionId: cleanVersionId }),
    );
    expect(await got.Body?.transformToString()).toBe('clean get/noncurrent.txt');
  });

  it('sending a key for an object that is not SSE-C is a 400', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plain.txt', Body: 'plain' }));
    const result = await status(
      s3.send(
        new GetObjectCommand({
          Bucket: BUCKET,
          Key: 'plain.txt',
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: attackerKey as unknown as string,
        }),
      ),
    );
    expect(result.status).toBe(400);
  });

  it('GetObjectAttributes needs the key too (400 without it)', async () => {
    await encryptedObject('attrs.txt');
    const result = await status(
      s3.send(
        new GetObjectAttributesCommand({
          Bucket: BUCKET,
          Key: 'attrs.txt',
          ObjectAttributes: ['ObjectSize'],
        }),
      ),
    );
    expect(result.status).toBe(400);
    const withKey = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: BUCKET,
        Key: 'attrs.txt',
        ObjectAttributes: ['ObjectSize', 'ETag'],
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: attackerKey as unknown as string,
      }),
    );
    expect(withKey.ObjectSize).toBe('clean attrs.txt'.length);
  });

  it('ListObjectVersions returns no encryption information at all', async () => {
    await encryptedObject('list/quiet.txt');
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'list/' }));
    expect(listed.Versions).toHaveLength(2);
    const fields = new Set((listed.Versions ?? []).flatMap((v) => Object.keys(v)));
    expect([...fields].filter((f) => /SSE|Encryption/i.test(f))).toEqual([]);
    expect([...fields].sort()).toEqual(
      ['ETag', 'IsLatest', 'Key', 'LastModified', 'Owner', 'Size', 'StorageClass', 'VersionId'].sort(),
    );
  });
});

describe('SSE-C as a copy source (AWS: copy-source-server-side-encryption-customer-* headers)', () => {
  it('copying an SSE-C source without its key answers 400 InvalidRequest', async () => {
    await encryptedObject('copy/no-key.txt');
    const result = await status(
      s3.send(
        new CopyObjectCommand({
          Bucket: BUCKET,
          Key: 'copy/out.txt',
          CopySource: `${BUCKET}/copy/no-key.txt`,
        }),
      ),
    );
    expect(result.status).toBe(400);
    expect(result.name).toBe('InvalidRequest');
  });

  it('copying with a wrong source key answers 403', async () => {
    await encryptedObject('copy/wrong.txt');
    const result = await status(
      s3.send(
        new CopyObjectCommand({
          Bucket: BUCKET,
          Key: 'copy/out.txt',
          CopySource: `${BUCKET}/copy/wrong.txt`,
          CopySourceSSECustomerAlgorithm: 'AES256',
          CopySourceSSECustomerKey: otherKey as unknown as string,
        }),
      ),
    );
    expect(result.status).toBe(403);
  });

  it('copying with the source key decrypts into a plain SSE-S3 copy', async () => {
    await encryptedObject('copy/with-key.txt');
    await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'copy/decrypted.txt',
        CopySource: `${BUCKET}/copy/with-key.txt`,
        CopySourceSSECustomerAlgorithm: 'AES256',
        CopySourceSSECustomerKey: attackerKey as unknown as string,
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'copy/decrypted.txt' }));
    expect(await got.Body?.transformToString()).toBe('clean copy/with-key.txt');
  });

  it('restoring the clean version by versionId needs no key and leaves the attacker version as evidence', async () => {
    const { cleanVersionId, encryptedVersionId } = await encryptedObject('copy/restore.txt');
    const restored = await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'copy/restore.txt',
        CopySource: `${BUCKET}/copy/restore.txt?versionId=${cleanVersionId}`,
      }),
    );
    expect(restored.CopySourceVersionId).toBe(cleanVersionId);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copy/restore.txt' }));
    expect(head.VersionId).toBe(restored.VersionId);
    const versions = await s3.send(
      new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'copy/restore.txt' }),
    );
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual([
      restored.VersionId,
      encryptedVersionId,
      cleanVersionId,
    ]);
  });
});

describe('SSE-C write validation (AWS: the key MD5 is an integrity check of the key)', () => {
  const rawPut = (headers: Record<string, string>) =>
    fetch(`${sandbox.endpoint}/${BUCKET}/raw.txt`, {
      method: 'PUT',
      body: 'x',
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=${sandbox.adminCredentials.accessKeyId}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0`,
        ...headers,
      },
    });

  it('a key-MD5 header that does not match the key is a 400', async () => {
    const response = await rawPut({
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key': attackerKey.toString('base64'),
      'x-amz-server-side-encryption-customer-key-md5': sseCKeyMd5(otherKey),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>InvalidArgument</Code>');
  });

  it('an algorithm other than AES256 is a 400', async () => {
    const response = await rawPut({
      'x-amz-server-side-encryption-customer-algorithm': 'AES128',
      'x-amz-server-side-encryption-customer-key': attackerKey.toString('base64'),
      'x-amz-server-side-encryption-customer-key-md5': sseCKeyMd5(attackerKey),
    });
    expect(response.status).toBe(400);
  });

  it('stores only the algorithm and key MD5, never the key', async () => {
    const response = await rawPut({
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key': attackerKey.toString('base64'),
      'x-amz-server-side-encryption-customer-key-md5': sseCKeyMd5(attackerKey),
    });
    expect(response.status).toBe(200);
    const stored = sandbox.s3.getBucket(BUCKET)?.keys.get('raw.txt')?.[0];
    expect(stored?.encryption).toEqual({
      kind: 'SSE-C',
      algorithm: 'AES256',
      keyMd5: sseCKeyMd5(attackerKey),
    });
    expect(JSON.stringify(stored)).not.toContain(attackerKey.toString('base64'));
  });

  it('SSE-C ETags are not the MD5 of the data (so re-encrypting identical bytes changes the ETag)', async () => {
    const { cleanVersionId } = await encryptedObject('etag.txt');
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'etag.txt' }));
    const [encrypted, clean] = listed.Versions ?? [];
    expect(clean?.VersionId).toBe(cleanVersionId);
    expect(clean?.ETag).toBe(`"${createHash('md5').update('clean etag.txt').digest('hex')}"`);
    expect(encrypted?.ETag).not.toBe(clean?.ETag);
  });
});
