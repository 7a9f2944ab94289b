// DeleteObjects: up to 1,000 keys or versions per request, each with DeleteObject's semantics —
// the attacker's bulk-delete variant, and how a responder cleans up after a drill.

import type { S3Context } from './s3-context.ts';
import { malformedXml } from './s3-errors.ts';
import { xmlResponse } from './s3-protocol.ts';
import type { SandboxResponse } from './types.ts';
import { childElements, childText, parseXml, XmlParseError, xmlLeaf } from './xml.ts';

interface DeleteRequest {
  key: string;
  versionId: string | undefined;
}

function parseRequest(ctx: S3Context): { quiet: boolean; objects: DeleteRequest[] } {
  try {
    const root = parseXml(ctx.req.body.toString('utf8'));
    const objects = childElements(root, 'Object').map((o) => ({
      key: childText(o, 'Key') ?? '',
      versionId: childText(o, 'VersionId'),
    }));
    if (root.name !== 'Delete' || objects.length === 0 || objects.length > 1000) throw malformedXml();
    return { quiet: childText(root, 'Quiet') === 'true', objects };
  } catch (error) {
    if (error instanceof XmlParseError) throw malformedXml();
    throw error;
  }
}

export function deleteObjects(ctx: S3Context): SandboxResponse {
  const bucket = ctx.store.requireBucket(ctx.bucketName);
  const { quiet, objects } = parseRequest(ctx);
  let deleted = '';
  for (const { key, versionId } of objects) {
    let markerXml = '';
    if (versionId !== undefined) {
      const removed = ctx.store.deleteVersion(bucket, key, versionId);
      if (removed?.deleteMarker)
        markerXml = xmlLeaf('DeleteMarker', true) + xmlLeaf('DeleteMarkerVersionId', removed.id);
    } else {
      const marker = ctx.store.writeDeleteMarker(bucket, key);
      if (marker) markerXml = xmlLeaf('DeleteMarker', true) + xmlLeaf('DeleteMarkerVersionId', marker.id);
    }
    if (!quiet)
      deleted += `<Deleted>${xmlLeaf('Key', key)}${xmlLeaf('VersionId', versionId)}${markerXml}</Deleted>`;
  }
  return xmlResponse('DeleteResult', deleted);
}
