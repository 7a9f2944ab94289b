// Object tagging (Get/Put/DeleteObjectTagging) on the current or a named version.

import { keyOf, type S3Context, versionIdParam } from './s3-context.ts';
import { malformedXml, noSuchKey, noSuchVersion, S3Error } from './s3-errors.ts';
import type { ObjectVersion } from './s3-model.ts';
import { xmlResponse } from './s3-protocol.ts';
import type { SandboxResponse } from './types.ts';
import { childElement, childElements, childText, parseXml, XmlParseError, xmlLeaf } from './xml.ts';

function taggedVersion(ctx: S3Context): ObjectVersion {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const key = keyOf(ctx);
  const versionId = versionIdParam(ctx);
  const version = ctx.store.findVersion(bucket, key, versionId);
  if (!version) throw versionId === undefined ? noSuchKey(key) : noSuchVersion(key, versionId);
  if (version.deleteMarker) {
    if (versionId === undefined) throw noSuchKey(key, { 'x-amz-delete-marker': 'true' });
    throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', {
      Method: ctx.req.method,
      ResourceType: 'DeleteMarker',
    });
  }
  return version;
}

function versionHeader(version: ObjectVersion): Record<string, string> {
  return { 'x-amz-version-id': version.id };
}

export function getObjectTagging(ctx: S3Context): SandboxResponse {
  const version = taggedVersion(ctx);
  let tags = '';
  for (const [k, v] of Object.entries(version.tags ?? {}))
    tags += `<Tag>${xmlLeaf('Key', k)}${xmlLeaf('Value', v)}</Tag>`;
  return xmlResponse('Tagging', `<TagSet>${tags}</TagSet>`, versionHeader(version));
}

function parseTagging(ctx: S3Context): Record<string, string> {
  try {
    const root = parseXml(ctx.req.body.toString('utf8'));
    const tagSet = childElement(root, 'TagSet');
    if (root.name !== 'Tagging' || !tagSet) throw malformedXml();
    const tags: Record<string, string> = {};
    for (const tag of childElements(tagSet, 'Tag'))
      tags[childText(tag, 'Key') ?? ''] = childText(tag, 'Value') ?? '';
    if (Object.keys(tags).length > 10)
      throw new S3Error(400, 'BadRequest', 'Object tags cannot be greater than 10');
    return tags;
  } catch (error) {
    if (error instanceof XmlParseError) throw malformedXml();
    throw error;
  }
}

export function putObjectTagging(ctx: S3Context): SandboxResponse {
  const version = taggedVersion(ctx);
  const tags = parseTagging(ctx);
  version.tags = Object.keys(tags).length > 0 ? tags : undefined;
  return { status: 200, headers: versionHeader(version) };
}

export function deleteObjectTagging(ctx: S3Context): SandboxResponse {
  const version = taggedVersion(ctx);
  version.tags = undefined;
  return { status: 204, headers: versionHeader(version) };
}
