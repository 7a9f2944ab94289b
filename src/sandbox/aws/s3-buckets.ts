// Bucket lifecycle (create, head, delete, list, location) and the versioning configuration.

import type { S3Context } from './s3-context.ts';
import { malformedXml, S3Error } from './s3-errors.ts';
import { OWNER } from './s3-model.ts';
import { isoDate, xmlResponse } from './s3-protocol.ts';
import { isValidBucketName } from './s3-store.ts';
import type { SandboxResponse } from './types.ts';
import { childText, parseXml, XmlParseError, xmlLeaf } from './xml.ts';

export function listBuckets(ctx: S3Context): SandboxResponse {
  let buckets = '';
  for (const bucket of ctx.store.listBuckets()) {
    buckets += `<Bucket>${xmlLeaf('Name', bucket.name)}${xmlLeaf('CreationDate', isoDate(bucket.createdSec))}${xmlLeaf('BucketRegion', ctx.req.region)}</Bucket>`;
  }
  return xmlResponse(
    'ListAllMyBucketsResult',
    `<Owner>${xmlLeaf('ID', OWNER.id)}${xmlLeaf('DisplayName', OWNER.displayName)}</Owner><Buckets>${buckets}</Buckets>`,
  );
}

/**
 * In us-east-1, re-creating a bucket you own answers 200 (S3's documented legacy behaviour);
 * the sandbox has a single owner, so any existing name is "yours".
 */
export function createBucket(ctx: S3Context): SandboxResponse {
  if (!isValidBucketName(ctx.bucketName)) {
    throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', {
      BucketName: ctx.bucketName,
    });
  }
  ctx.store.createBucket(ctx.bucketName);
  return { status: 200, headers: { location: `/${ctx.bucketName}` } };
}

export function headBucket(ctx: S3Context): SandboxResponse {
  ctx.store.requireBucket(ctx.bucketName);
  return { status: 200, headers: { 'x-amz-bucket-region': ctx.req.region } };
}

export function deleteBucket(ctx: S3Context): SandboxResponse {
  if (!ctx.store.deleteBucket(ctx.bucketName)) {
    throw new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', {
      BucketName: ctx.bucketName,
    });
  }
  return { status: 204 };
}

export function getBucketLocation(ctx: S3Context): SandboxResponse {
  ctx.store.requireBucket(ctx.bucketName);
  // us-east-1 is reported as an empty LocationConstraint.
  const region = ctx.req.region === 'us-east-1' ? '' : ctx.req.region;
  return xmlResponse('LocationConstraint', region.replace(/[<&]/g, ''));
}

export function getBucketVersioning(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const status = bucket.versioning === 'Unversioned' ? '' : xmlLeaf('Status', bucket.versioning);
  return xmlResponse('VersioningConfiguration', status);
}

export function putBucketVersioning(ctx: S3Context): SandboxResponse {
  ctx.store.requireBucket(ctx.bucketName);
  let status: string | undefined;
  try {
    const root = parseXml(ctx.req.body.toString('utf8'));
    if (root.name !== 'VersioningConfiguration') throw malformedXml();
    status = childText(root, 'Status');
  } catch (error) {
    if (error instanceof XmlParseError) throw malformedXml();
    throw error;
  }
  if (status === undefined) return { status: 200 };
  if (status !== 'Enabled' && status !== 'Suspended') throw malformedXml();
  ctx.store.setVersioning(ctx.bucketName, status);
  return { status: 200 };
}
