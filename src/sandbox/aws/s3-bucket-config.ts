// Bucket policy, default encryption (with BlockedEncryptionTypes) and lifecycle configuration:
// stored, returned, and — for the two SSE-C blocks only — enforced by s3-write-guard.ts. Lifecycle
// rules are kept exactly as sent and never executed.

import type { S3Context } from './s3-context.ts';
import { malformedXml, S3Error } from './s3-errors.ts';
import type { EncryptionRule } from './s3-model.ts';
import { xmlResponse } from './s3-protocol.ts';
import type { SandboxResponse } from './types.ts';
import {
  childElement,
  childElements,
  childText,
  parseXml,
  type XmlElement,
  XmlParseError,
  xmlLeaf,
} from './xml.ts';

function parseBody(ctx: S3Context, rootName: string): XmlElement {
  try {
    const root = parseXml(ctx.req.body.toString('utf8'));
    if (root.name !== rootName) throw malformedXml();
    return root;
  } catch (error) {
    if (error instanceof XmlParseError) throw malformedXml();
    throw error;
  }
}

// ---- policy ----

const malformedPolicy = (message: string) => new S3Error(400, 'MalformedPolicy', message);

export function putBucketPolicy(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const text = ctx.req.body.toString('utf8');
  let document: unknown;
  try {
    if (!text.trimStart().startsWith('{')) throw new Error('not an object');
    document = JSON.parse(text);
  } catch {
    throw malformedPolicy("Policies must be valid JSON and the first byte must be '{'");
  }
  if ((document as Record<string, unknown>)['Statement'] === undefined) {
    throw malformedPolicy('Missing required field Statement');
  }
  bucket.policy = text;
  return { status: 204 };
}

export function getBucketPolicy(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  if (bucket.policy === undefined) {
    throw new S3Error(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist', {
      BucketName: bucket.name,
    });
  }
  return { status: 200, headers: { 'content-type': 'application/json' }, body: bucket.policy };
}

export function deleteBucketPolicy(ctx: S3Context): SandboxResponse {
  ctx.store.requireBucket(ctx.bucketName).policy = undefined;
  return { status: 204 };
}

// ---- default encryption ----

function parseRule(rule: XmlElement): EncryptionRule {
  const defaults = childElement(rule, 'ApplyServerSideEncryptionByDefault');
  const bucketKey = childText(rule, 'BucketKeyEnabled');
  const blocked = childElement(rule, 'BlockedEncryptionTypes');
  const blockedTypes = blocked
    ? childElements(blocked, 'EncryptionType').map((e) => e.text.trim())
    : undefined;
  if (blockedTypes?.some((t) => t !== 'SSE-C' && t !== 'NONE')) throw malformedXml();
  const sseAlgorithm = defaults ? childText(defaults, 'SSEAlgorithm') : undefined;
  if (defaults && !['AES256', 'aws:kms', 'aws:kms:dsse'].includes(sseAlgorithm ?? '')) throw malformedXml();
  return {
    sseAlgorithm,
    kmsMasterKeyId: defaults ? childText(defaults, 'KMSMasterKeyID') : undefined,
    bucketKeyEnabled: bucketKey === undefined ? undefined : bucketKey === 'true',
    blockedEncryptionTypes: blockedTypes,
  };
}

/** Replaces the whole configuration, exactly as S3 does (the caller must re-send what it keeps). */
export function putBucketEncryption(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const rules = childElements(parseBody(ctx, 'ServerSideEncryptionConfiguration'), 'Rule').map(parseRule);
  if (rules.length === 0) throw malformedXml();
  bucket.encryption = rules;
  return { status: 200 };
}

function ruleXml(rule: EncryptionRule): string {
  const defaults =
    rule.sseAlgorithm === undefined
      ? ''
      : `<ApplyServerSideEncryptionByDefault>${xmlLeaf('SSEAlgorithm', rule.sseAlgorithm)}${xmlLeaf('KMSMasterKeyID', rule.kmsMasterKeyId)}</ApplyServerSideEncryptionByDefault>`;
  const blocked =
    rule.blockedEncryptionTypes === undefined
      ? ''
      : `<BlockedEncryptionTypes>${rule.blockedEncryptionTypes.map((t) => xmlLeaf('EncryptionType', t)).join('')}</BlockedEncryptionTypes>`;
  return `<Rule>${defaults}${xmlLeaf('BucketKeyEnabled', rule.bucketKeyEnabled)}${blocked}</Rule>`;
}

/**
 * Since January 2023 every S3 bucket has SSE-S3 default encryption: GetBucketEncryption of a bucket
 * nobody configured answers that rule, and DeleteBucketEncryption goes back to it (S3 User Guide,
 * "Setting default server-side encryption behavior for Amazon S3 buckets").
 */
const SSE_S3_DEFAULT: EncryptionRule = {
  sseAlgorithm: 'AES256',
  kmsMasterKeyId: undefined,
  bucketKeyEnabled: false,
  blockedEncryptionTypes: undefined,
};

export function getBucketEncryption(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const rules = bucket.encryption ?? [SSE_S3_DEFAULT];
  return xmlResponse('ServerSideEncryptionConfiguration', rules.map(ruleXml).join(''));
}

export function deleteBucketEncryption(ctx: S3Context): SandboxResponse {
  ctx.store.requireBucket(ctx.bucketName).encryption = undefined;
  return { status: 204 };
}

// ---- lifecycle ----

export function putBucketLifecycle(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const rules = childElements(parseBody(ctx, 'LifecycleConfiguration'), 'Rule');
  if (rules.length === 0 || rules.length > 1000) throw malformedXml();
  for (const rule of rules) {
    const status = childText(rule, 'Status');
    if (status !== 'Enabled' && status !== 'Disabled') throw malformedXml();
  }
  bucket.lifecycleXml = ctx.req.body.toString('utf8');
  return {
    status: 200,
    headers: { 'x-amz-transition-default-minimum-object-size': 'all_storage_classes_128K' },
  };
}

export function getBucketLifecycle(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  if (bucket.lifecycleXml === undefined) {
    throw new S3Error(404, 'NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist', {
      BucketName: bucket.name,
    });
  }
  return {
    status: 200,
    headers: {
      'content-type': 'application/xml',
      'x-amz-transition-default-minimum-object-size': 'all_storage_classes_128K',
    },
    body: bucket.lifecycleXml,
  };
}

export function deleteBucketLifecycle(ctx: S3Context): SandboxResponse {
  ctx.store.requireBucket(ctx.bucketName).lifecycleXml = undefined;
  return { status: 204 };
}
