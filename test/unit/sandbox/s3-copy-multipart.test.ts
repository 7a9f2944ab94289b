// CopyObject, ranged GETs and multipart upload as the S3 API reference documents them —
// in particular the 5 GB copy limit and the UploadPartCopy path a large restore must take.

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import { sandboxS3Client } from '../../helpers/aws-clients.ts';

const BUCKET = 'copy-bucket';
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

let sandbox: AwsSandbox;
let s3: S3Client;

async function failure(
  promise: Promise<unknown>,
): Promise<{ status: number | undefined; name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { status: e.$metadata?.httpStatusCode, name: e.name, message: e.message };
  }
  throw new Error('expected the request to fail');
}

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 5 });
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

describe('CopyObject', () => {
  it('decodes a url-encoded CopySource key once and honours ?versionId=', async () => {
    const key = 'reports/Q1 2026/résumé+final.txt';
    const v1 = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'first' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'second' }));
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'copies/out.txt',
        CopySource: `${BUCKET}/${encodeURIComponent(key)}?versionId=${v1.VersionId}`,
      }),
    );
    expect(copied.CopySourceVersionId).toBe(v1.VersionId);
    expect(copied.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(copied.CopyObjectResult?.ETag).toBe(v1.ETag);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'copies/out.txt' }));
    expect(await got.Body?.transformToString()).toBe('first');
  });

  it('copies content type and metadata by default, and replaces them with x-amz-metadata-directive REPLACE', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'meta/src',
        Body: '{}',
        ContentType: 'application/json',
        Metadata: { owner: 'finance' },
      }),
    );
    await s3.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: 'meta/copy', CopySource: `${BUCKET}/meta/src` }),
    );
    const copied = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'meta/copy' }));
    expect([copied.ContentType, copied.Metadata]).toEqual(['application/json', { owner: 'finance' }]);
    await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'meta/replaced',
        CopySource: `${BUCKET}/meta/src`,
        MetadataDirective: 'REPLACE',
        ContentType: 'text/plain',
        Metadata: { owner: 'ops' },
      }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'meta/replaced' }));
    expect([replaced.ContentType, replaced.Metadata]).toEqual(['text/plain', { owner: 'ops' }]);
  });

  it('copies tags by default and replaces them with x-amz-tagging-directive REPLACE', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'tags/src', Body: 'x', Tagging: 'class=secret' }),
    );
    await s3.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: 'tags/copy', CopySource: `${BUCKET}/tags/src` }),
    );
    const copied = await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'tags/copy' }));
    expect(copied.TagSet).toEqual([{ Key: 'class', Value: 'secret' }]);
    await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'tags/replaced',
        CopySource: `${BUCKET}/tags/src`,
        TaggingDirective: 'REPLACE',
        Tagging: 'restored=true',
      }),
    );
    const replaced = await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'tags/replaced' }));
    expect(replaced.TagSet).toEqual([{ Key: 'restored', Value: 'true' }]);
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: BUCKET,
        Key: 'tags/replaced',
        Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] },
      }),
    );
    expect(
      (await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'tags/replaced' }))).TagSet,
    ).toEqual([{ Key: 'a', Value: 'b' }]);
  });

  it('sets the storage class asked for (STANDARD when none is given)', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'class/src', Body: 'x', StorageClass: 'STANDARD_IA' }),
    );
    await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'class/ia',
        CopySource: `${BUCKET}/class/src`,
        StorageClass: 'ONEZONE_IA',
      }),
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'class/ia' }))).StorageClass).toBe(
      'ONEZONE_IA',
    );
    await s3.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: 'class/std', CopySource: `${BUCKET}/class/src` }),
    );
    expect(
      (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'class/std' }))).StorageClass,
    ).toBeUndefined();
  });

  it('refuses to copy an object onto itself without changing anything (400 InvalidRequest)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'self', Body: 'x' }));
    const result = await failure(
      s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'self', CopySource: `${BUCKET}/self` })),
    );
    expect(result.status).toBe(400);
    expect(result.message).toMatch(/copy an object to itself/);
  });

  it('refuses a source over 5 GiB with S3 message, so callers switch to UploadPartCopy', async () => {
    sandbox.s3.seed(BUCKET, [{ key: 'huge/video.mov', size: 6 * GiB }]);
    const result = await failure(
      s3.send(
        new CopyObjectCommand({
          Bucket: BUCKET,
          Key: 'huge/copy.mov',
          CopySource: `${BUCKET}/huge/video.mov`,
        }),
      ),
    );
    expect(result).toEqual({
      status: 400,
      name: 'InvalidRequest',
      message:
        'The specified copy source is larger than the maximum allowable size for a copy source: 5368709120',
    });
  });

  it('copies a source of exactly 5 GiB', async () => {
    sandbox.s3.seed(BUCKET, [{ key: 'huge/exact.bin', size: 5 * GiB }]);
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'huge/exact-copy.bin',
        CopySource: `${BUCKET}/huge/exact.bin`,
      }),
    );
    expect(copied.VersionId).toBeDefined();
    expect(
      (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'huge/exact-copy.bin' }))).ContentLength,
    ).toBe(5 * GiB);
  });

  it('refuses a delete marker named as the copy source', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dm/src', Body: 'x' }));
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'dm/src' }));
    const byId = await failure(
      s3.send(
        new CopyObjectCommand({
          Bucket: BUCKET,
          Key: 'dm/out',
          CopySource: `${BUCKET}/dm/src?versionId=${marker.VersionId}`,
        }),
      ),
    );
    expect(byId.status).toBe(400);
    const current = await failure(
      s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'dm/out', CopySource: `${BUCKET}/dm/src` })),
    );
    expect([current.status, current.name]).toEqual([404, 'NoSuchKey']);
  });

  it('refuses to read an archived (GLACIER) source: 403 InvalidObjectState', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cold', Body: 'x', StorageClass: 'GLACIER' }));
    const result = await failure(
      s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'warm', CopySource: `${BUCKET}/cold` })),
    );
    expect([result.status, result.name]).toEqual([403, 'InvalidObjectState']);
  });
});

describe('ranged GET (RFC 9110 byte ranges, as S3 serves them)', () => {
  it('serves first-last, open-ended and suffix ranges with 206 and Content-Range', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'range.txt', Body: '0123456789' }));
    const cases: Array<[string, string, string]> = [
      ['bytes=2-4', '234', 'bytes 2-4/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
    ];
    for (const [range, body, contentRange] of cases) {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range.txt', Range: range }));
      expect([await got.Body?.transformToString(), got.ContentRange, got.$metadata.httpStatusCode]).toEqual([
        body,
        contentRange,
        206,
      ]);
    }
  });

  it('answers 416 InvalidRange for a range starting past the end', async () => {
    const result = await failure(
      s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range.txt', Range: 'bytes=10-' })),
    );
    expect([result.status, result.name]).toEqual([416, 'InvalidRange']);
  });
});

describe('multipart upload', () => {
  it('joins uploaded parts; the ETag is the MD5 of part MD5s with a part count', async () => {
    const first = Buffer.alloc(5 * MiB, 'a');
    const upload = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp/file', ContentType: 'text/csv' }),
    );
    const p1 = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: 'mp/file',
        UploadId: upload.UploadId,
        PartNumber: 1,
        Body: first,
      }),
    );
    const p2 = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: 'mp/file',
        UploadId: upload.UploadId,
        PartNumber: 2,
        Body: 'tail',
      }),
    );
    const parts = await s3.send(
      new ListPartsCommand({ Bucket: BUCKET, Key: 'mp/file', UploadId: upload.UploadId }),
    );
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, 5 * MiB],
      [2, 4],
    ]);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'mp/file',
        UploadId: upload.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.ETag },
          ],
        },
      }),
    );
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(done.VersionId).toBeDefined();
    const got = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'mp/file', Range: 'bytes=5242878-' }),
    );
    expect(await got.Body?.transformToString()).toBe('aatail');
    expect(got.ContentType).toBe('text/csv');
  });

  it('refuses parts other than the last under 5 MiB (EntityTooSmall)', async () => {
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp/small' }));
    const etags: string[] = [];
    for (const partNumber of [1, 2]) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: 'mp/small',
          UploadId: upload.UploadId,
          PartNumber: partNumber,
          Body: 'x',
        }),
      );
      etags.push(part.ETag as string);
    }
    const result = await failure(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 'mp/small',
          UploadId: upload.UploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) },
        }),
      ),
    );
    expect([result.status, result.name]).toEqual([400, 'EntityTooSmall']);
  });

  it('copies a 6 GiB version in ranges with UploadPartCopy; Complete yields a version of the summed size', async () => {
    const [sourceVersion] = sandbox.s3.seed(BUCKET, [{ key: 'huge/restore-me.bin', size: 6 * GiB }]);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'huge/restore-me.bin', Body: 'attacker' }));
    const upload = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'huge/restore-me.bin' }),
    );
    const ranges = [
      [0, 5 * GiB - 1],
      [5 * GiB, 6 * GiB - 1],
    ];
    const parts = [];
    for (const [index, [first, last]] of ranges.entries()) {
      const part = await s3.send(
        new UploadPartCopyCommand({
          Bucket: BUCKET,
          Key: 'huge/restore-me.bin',
          UploadId: upload.UploadId,
          PartNumber: index + 1,
          CopySource: `${BUCKET}/huge/restore-me.bin?versionId=${sourceVersion}`,
          CopySourceRange: `bytes=${first}-${last}`,
        }),
      );
      expect(part.CopySourceVersionId).toBe(sourceVersion);
      parts.push({ PartNumber: index + 1, ETag: part.CopyPartResult?.ETag });
    }
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'huge/restore-me.bin',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'huge/restore-me.bin' }));
    expect([head.VersionId, head.ContentLength]).toEqual([done.VersionId, 6 * GiB]);
    const attributes = await s3.send(
      new GetObjectAttributesCommand({
        Bucket: BUCKET,
        Key: 'huge/restore-me.bin',
        ObjectAttributes: ['ObjectParts'],
      }),
    );
    expect(attributes.ObjectParts?.TotalPartsCount).toBe(2);
  });

  it('refuses a copy range beyond the source', async () => {
    sandbox.s3.seed(BUCKET, [{ key: 'small-src', body: Buffer.from('0123456789') }]);
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'ranged' }));
    const result = await failure(
      s3.send(
        new UploadPartCopyCommand({
          Bucket: BUCKET,
          Key: 'ranged',
          UploadId: upload.UploadId,
          PartNumber: 1,
          CopySource: `${BUCKET}/small-src`,
          CopySourceRange: 'bytes=5-10',
        }),
      ),
    );
    expect(result.status).toBe(400);
  });

  it('an aborted upload is gone: NoSuchUpload', async () => {
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp/aborted' }));
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp/aborted', UploadId: upload.UploadId }),
    );
    const result = await failure(
      s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: 'mp/aborted',
          UploadId: upload.UploadId,
          PartNumber: 1,
          Body: 'x',
        }),
      ),
    );
    expect([result.status, result.name]).toEqual([404, 'NoSuchUpload']);
  });
});
