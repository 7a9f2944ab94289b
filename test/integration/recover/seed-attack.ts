// Seeds a bucket in the AWS stand-in as the Codefinger attack leaves it (a clean version, then the
// attacker's SSE-C version on top) and the matching assessment rows, as the assess scanner would.

import { createHash, randomBytes } from 'node:crypto';
import type { AwsSandbox } from '../../../src/sandbox/aws/server.ts';
import type { NewAffected } from '../../../src/store/assessments.ts';
import type { Store } from '../../../src/store/store.ts';

export const WINDOW_START = new Date('2025-01-10T00:00:00Z');
const BEFORE = new Date('2025-01-01T00:00:00Z');
const DURING = new Date('2025-01-12T00:00:00Z');

export const ATTACKER_KEY = randomBytes(32);
export const ATTACKER_KEY_MD5 = createHash('md5').update(ATTACKER_KEY).digest('base64');

export interface SeedObject {
  key: string;
  body?: Buffer;
  /** For metadata-only huge objects (no body held). */
  size?: number;
  contentType?: string;
  metadata?: Record<string, string>;
  tags?: Record<string, string>;
  storageClass?: string;
  /** The attacker deleted it (a delete marker) instead of re-encrypting. */
  deleted?: boolean;
}

export interface SeededAttack {
  runId: number;
  clean: Map<string, { versionId: string; etag: string; size: number }>;
  attacker: Map<string, string>;
}

/** With `store` null only S3 is seeded (for commands that run the assessment themselves); runId is then -1. */
export function seedAttack(
  sandbox: AwsSandbox,
  store: Store | null,
  bucket: string,
  objects: SeedObject[],
): SeededAttack {
  if (!sandbox.s3.bucketExists(bucket)) sandbox.s3.createBucket(bucket, { versioning: 'Enabled' });
  const clean = new Map<string, { versionId: string; etag: string; size: number }>();
  const attacker = new Map<string, string>();
  for (const o of objects) {
    const [cleanId] = sandbox.s3.seed(bucket, [
      {
        key: o.key,
        ...(o.body ? { body: o.body } : { size: o.size ?? 0 }),
        contentType: o.contentType,
        metadata: o.metadata,
        tags: o.tags,
        storageClass: o.storageClass,
        lastModified: BEFORE,
      },
    ]);
    const listed = sandbox.s3.listVersions(bucket, o.key).find((v) => v.versionId === cleanId)!;
    clean.set(o.key, { versionId: cleanId!, etag: listed.etag, size: listed.size });
    const [badId] = sandbox.s3.seed(bucket, [
      o.deleted
        ? { key: o.key, deleteMarker: true, lastModified: DURING }
        : {
            key: o.key,
            ...(o.body ? { body: o.body } : { size: o.size ?? 0 }),
            contentType: o.contentType,
            metadata: o.metadata,
            sseCustomerAlgorithm: 'AES256',
            sseCustomerKeyMd5: ATTACKER_KEY_MD5,
            lastModified: DURING,
          },
    ]);
    attacker.set(o.key, badId!);
  }
  if (!store) return { runId: -1, clean, attacker };
  const run = store.assessments.startRun({ bucket, windowStart: WINDOW_START });
  const affected: NewAffected[] = objects.map((o) => {
    const c = clean.get(o.key)!;
    return {
      key: o.key,
      versionId: attacker.get(o.key)!,
      lastModified: DURING,
      size: o.deleted ? 0 : c.size,
      isDeleteMarker: o.deleted === true,
      restoreVersionId: c.versionId,
      restoreSize: c.size,
      restoreEtag: c.etag,
      reason: null,
    };
  });
  for (let i = 0; i < affected.length; i += 500) {
    store.assessments.commitPage(run.id, {
      affected: affected.slice(i, i + 500),
      changed: [],
      cursor: null,
      progress: {},
    });
  }
  store.assessments.finishRun(run.id, 'completed', {});
  return { runId: run.id, clean, attacker };
}

export function manyObjects(n: number, prefix = 'data/'): SeedObject[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `${prefix}file-${String(i).padStart(6, '0')}.bin`,
    body: Buffer.from(`object ${i} `.repeat(8)),
    contentType: 'application/octet-stream',
  }));
}
