// A stand-in, real SDK clients over HTTP and a store on a temp file, plus a small language for
// seeding keys whose versions sit before or inside an incident window.
import { join } from 'node:path';
import type { BackupClient } from '@aws-sdk/client-backup';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AssessmentReport } from '../../../src/aws/assess/report.ts';
import { sseCKeyMd5 } from '../../../src/sandbox/aws/s3-sse-c.ts';
import type { SeedVersion } from '../../../src/sandbox/aws/s3-store.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import { createStore, type Store } from '../../../src/store/store.ts';
import { sandboxBackupClient, sandboxS3Client } from '../../helpers/aws-clients.ts';
import { tempDir } from '../../helpers/temp.ts';

export const SINCE = new Date('2025-01-13T10:00:00Z');
/** Minutes into the window. */
export const inWin = (m: number) => new Date(SINCE.getTime() + m * 60_000);
/** Hours before the window. */
export const pre = (h: number) => new Date(SINCE.getTime() - h * 3_600_000);

const attackerKey = Buffer.alloc(32, 0xa7);
const legitKey = Buffer.alloc(32, 0x11);
export const ATTACKER_SSE_C = { sseCustomerAlgorithm: 'AES256', sseCustomerKeyMd5: sseCKeyMd5(attackerKey) };
export const LEGIT_SSE_C = { sseCustomerAlgorithm: 'AES256', sseCustomerKeyMd5: sseCKeyMd5(legitKey) };

export interface Harness {
  sandbox: AwsSandbox;
  s3: S3Client;
  backup: BackupClient;
  store: Store;
  dbPath: string;
  close(): Promise<void>;
}

export async function startHarness(opts: { maxAttempts?: number } = {}): Promise<Harness> {
  const sandbox = await startAwsSandbox({ seed: 7 });
  const s3 = sandboxS3Client(sandbox, { maxAttempts: opts.maxAttempts ?? 3 });
  const backup = sandboxBackupClient(sandbox);
  const t = tempDir('ssec-assess-');
  const dbPath = join(t.dir, 'ssec.db');
  const store = createStore(dbPath);
  return {
    sandbox,
    s3,
    backup,
    store,
    dbPath,
    async close() {
      s3.destroy();
      backup.destroy();
      store.close();
      await sandbox.stop();
      t.cleanup();
    },
  };
}

/** `storageClass`: the version's, as S3 lists it (STANDARD when left out). */
export type Step = { at: Date; storageClass?: string } & (
  | { kind: 'plain' }
  | { kind: 'attacker' }
  | { kind: 'legit-sse-c' }
  | { kind: 'delete' }
);
export const plain = (at: Date, storageClass?: string): Step => ({
  at,
  kind: 'plain',
  ...(storageClass === undefined ? {} : { storageClass }),
});
export const attacker = (at: Date): Step => ({ at, kind: 'attacker' });
export const legit = (at: Date): Step => ({ at, kind: 'legit-sse-c' });
export const del = (at: Date): Step => ({ at, kind: 'delete' });

const body = Buffer.from('clean bytes');

function toSeed(key: string, s: Step): SeedVersion {
  const storageClass = s.storageClass === undefined ? {} : { storageClass: s.storageClass };
  switch (s.kind) {
    case 'plain':
      return { key, body, lastModified: s.at, ...storageClass };
    case 'attacker':
      return { key, body, lastModified: s.at, ...ATTACKER_SSE_C, ...storageClass };
    case 'legit-sse-c':
      return { key, body, lastModified: s.at, ...LEGIT_SSE_C, ...storageClass };
    case 'delete':
      return { key, deleteMarker: true, lastModified: s.at };
  }
}

/**
 * Creates the bucket and writes each key's steps oldest first. Returns, per key, the version ids
 * oldest first, so tests name the version they expect.
 */
export function seedBucket(
  sandbox: AwsSandbox,
  bucket: string,
  keys: Record<string, Step[]>,
  versioning: 'Enabled' | 'Suspended' | 'Unversioned' = 'Enabled',
): Record<string, string[]> {
  sandbox.s3.createBucket(bucket, versioning === 'Unversioned' ? {} : { versioning });
  const ids: Record<string, string[]> = {};
  for (const [key, steps] of Object.entries(keys)) {
    ids[key] = sandbox.s3.seed(
      bucket,
      steps.map((s) => toSeed(key, s)),
    );
  }
  return ids;
}

/** A report without what differs between two runs of the same scan (ids, times, request counts). */
export function comparable(r: AssessmentReport) {
  const { runId: _r, startedAt: _s, finishedAt: _f, counts, ...rest } = r;
  const {
    listRequests: _l,
    headRequests: _h,
    retries: _t,
    elapsedMs: _e,
    partitions: _p,
    partitionsDone: _d,
    listStreams: _ls,
    ...kept
  } = counts;
  return { ...rest, counts: kept };
}
