// AWS Backup for S3 in the stand-in, through the real @aws-sdk/client-backup (and client-s3 to look
// at the buckets). Moto has no AWS Backup restore jobs, so each test names the behaviour of the
// AWS Backup Developer Guide / API Reference it pins.

import { createHash } from 'node:crypto';
import {
  BackupClient,
  CreateBackupVaultCommand,
  DeleteRecoveryPointCommand,
  DescribeRecoveryPointCommand,
  DescribeRestoreJobCommand,
  type DescribeRestoreJobCommandOutput,
  GetRecoveryPointRestoreMetadataCommand,
  ListBackupVaultsCommand,
  ListRecoveryPointsByResourceCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupService } from '../../../src/sandbox/aws/backup.ts';
import { newAccessKeyId } from '../../../src/sandbox/aws/iam.ts';
import type { S3Store } from '../../../src/sandbox/aws/s3-store.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';

const ATTACKER_KEY_MD5 = createHash('md5').update(Buffer.alloc(32, 7)).digest('base64');

let sandbox: AwsSandbox;
let store: S3Store;
let backup: BackupService;
let ACCOUNT: string;
let REGION: string;
let ROLE: string;

function clients(accessKeyId = sandbox.iam.adminAccessKeyId) {
  const config = {
    endpoint: sandbox.endpoint,
    region: REGION,
    credentials: { accessKeyId, secretAccessKey: 'sandbox-secret' },
    maxAttempts: 1,
  };
  return { backup: new BackupClient(config), s3: new S3Client({ ...config, forcePathStyle: true }) };
}

async function body(s3: S3Client, bucket: string, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await got.Body?.transformToString()) ?? '';
}

/** Polls DescribeRestoreJob until it settles, keeping every status seen on the way. */
async function untilSettled(client: BackupClient, restoreJobId: string) {
  const seen: DescribeRestoreJobCommandOutput[] = [];
  const deadline = Date.now() + 10_000;
  for (;;) {
    const job = await client.send(new DescribeRestoreJobCommand({ RestoreJobId: restoreJobId }));
    seen.push(job);
    if (job.Status !== 'PENDING' && job.Status !== 'RUNNING') return { job, seen };
    if (Date.now() > deadline) throw new Error(`restore job ${restoreJobId} still ${job.Status}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function seedBucket(name: string, objects: Record<string, string>): void {
  store.createBucket(name, { versioning: 'Enabled' });
  for (const [key, text] of Object.entries(objects)) {
    store.putObject(name, key, {
      body: Buffer.from(text),
      contentType: 'text/plain',
      metadata: { origin: 'seed' },
    });
  }
}

beforeAll(async () => {
  sandbox = await startAwsSandbox({ restoreDelayMs: 150 });
  store = sandbox.s3;
  backup = sandbox.backup;
  ACCOUNT = sandbox.accountId;
  REGION = sandbox.region;
  ROLE = `arn:aws:iam::${ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole`;
});

afterAll(async () => {
  await sandbox.stop();
});

describe('backup vaults', () => {
  it('CreateBackupVault answers name, ARN and date; ListBackupVaults lists it; a second create is AlreadyExistsException', async () => {
    const { backup: client } = clients();
    const created = await client.send(new CreateBackupVaultCommand({ BackupVaultName: 'incident-vault' }));
    expect(created).toMatchObject({
      BackupVaultName: 'incident-vault',
      BackupVaultArn: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:incident-vault`,
    });
    expect(created.CreationDate).toBeInstanceOf(Date);
    const listed = await client.send(new ListBackupVaultsCommand({}));
    expect(listed.BackupVaultList?.map((v) => v.BackupVaultName)).toContain('incident-vault');
    await expect(
      client.send(new CreateBackupVaultCommand({ BackupVaultName: 'incident-vault' })),
    ).rejects.toMatchObject({
      name: 'AlreadyExistsException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses an unknown access key (403)', async () => {
    const { backup: client } = clients(newAccessKeyId('AKIA', ACCOUNT));
    await expect(client.send(new ListBackupVaultsCommand({}))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      $metadata: { httpStatusCode: 403 },
    });
  });
});

describe('recovery points of an S3 bucket', () => {
  it('ListRecoveryPointsByResource (resource arn:aws:s3:::bucket) lists points newest first; Describe and restore metadata answer', async () => {
    seedBucket('ledger', { 'a.txt': 'alpha', 'b.txt': 'bravo' });
    const older = backup.createRecoveryPoint({
      vault: 'daily',
      bucket: 'ledger',
      creationDate: new Date('2025-01-10T00:00:00Z'),
    });
    const newer = backup.createRecoveryPoint({
      vault: 'daily',
      bucket: 'ledger',
      creationDate: new Date('2025-01-11T00:00:00Z'),
    });
    expect(older.objectCount).toBe(2);
    expect(older.backupSizeInBytes).toBe('alpha'.length + 'bravo'.length);

    const { backup: client } = clients();
    const listed = await client.send(
      new ListRecoveryPointsByResourceCommand({ ResourceArn: 'arn:aws:s3:::ledger' }),
    );
    expect(listed.RecoveryPoints?.map((p) => p.RecoveryPointArn)).toEqual([
      newer.recoveryPointArn,
      older.recoveryPointArn,
    ]);
    expect(listed.RecoveryPoints?.[1]).toMatchObject({
      Status: 'COMPLETED',
      BackupVaultName: 'daily',
      BackupSizeBytes: 10,
      CreationDate: new Date('2025-01-10T00:00:00Z'),
    });
    const paged = await client.send(
      new ListRecoveryPointsByResourceCommand({ ResourceArn: 'arn:aws:s3:::ledger', MaxResults: 1 }),
    );
    expect(paged.RecoveryPoints).toHaveLength(1);
    expect(paged.NextToken).toBeDefined();

    const described = await client.send(
      new DescribeRecoveryPointCommand({
        BackupVaultName: 'daily',
        RecoveryPointArn: older.recoveryPointArn,
      }),
    );
    expect(described).toMatchObject({
      ResourceArn: 'arn:aws:s3:::ledger',
      ResourceType: 'S3',
      Status: 'COMPLETED',
    });

    const metadata = await client.send(
      new GetRecoveryPointRestoreMetadataCommand({
        BackupVaultName: 'daily',
        RecoveryPointArn: older.recoveryPointArn,
      }),
    );
    expect(metadata.RestoreMetadata).toMatchObject({ DestinationBucketName: 'ledger' });

    const none = await client.send(
      new ListRecoveryPointsByResourceCommand({ ResourceArn: 'arn:aws:s3:::no-such-bucket' }),
    );
    expect(none.RecoveryPoints).toEqual([]);
  });

  it('unknown recovery points are ResourceNotFoundException (400), also in the wrong vault', async () => {
    seedBucket('misc', { x: 'x' });
    const point = backup.createRecoveryPoint({ vault: 'vault-one', bucket: 'misc' });
    backup.createVault('vault-two');
    const { backup: client } = clients();
    for (const input of [
      { BackupVaultName: 'vault-one', RecoveryPointArn: `${point.recoveryPointArn}0` },
      { BackupVaultName: 'vault-two', RecoveryPointArn: point.recoveryPointArn },
    ]) {
      await expect(client.send(new DescribeRecoveryPointCommand(input))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it('DeleteRecoveryPoint removes the point from the vault and from the resource listing', async () => {
    seedBucket('doomed', { k: 'v' });
    const point = backup.createRecoveryPoint({ vault: 'short-lived', bucket: 'doomed' });
    const { backup: client } = clients();
    await client.send(
      new DeleteRecoveryPointCommand({
        BackupVaultName: 'short-lived',
        RecoveryPointArn: point.recoveryPointArn,
      }),
    );
    await expect(
      client.send(
        new DescribeRecoveryPointCommand({
          BackupVaultName: 'short-lived',
          RecoveryPointArn: point.recoveryPointArn,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const listed = await client.send(
      new ListRecoveryPointsByResourceCommand({ ResourceArn: 'arn:aws:s3:::doomed' }),
    );
    expect(listed.RecoveryPoints).toEqual([]);
  });

  it('a recovery point keeps the bytes of that moment; objects written later or encrypted with SSE-C are not in it', async () => {
    seedBucket('moment', { 'keep.txt': 'original' });
    store.putObject('moment', 'locked.bin', {
      body: Buffer.from('ciphertext'),
      sseCustomerAlgorithm: 'AES256',
      sseCustomerKeyMd5: ATTACKER_KEY_MD5,
    });
    const point = backup.createRecoveryPoint({ vault: 'daily', bucket: 'moment' });
    expect(point.objectCount).toBe(1);
    store.putObject('moment', 'keep.txt', { body: Buffer.from('overwritten later') });
    store.putObject('moment', 'late.txt', { body: Buffer.from('late') });

    const { backup: client, s3 } = clients();
    const started = await client.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: point.recoveryPointArn,
        Metadata: { DestinationBucketName: 'moment-restored', NewBucket: 'true' },
        IamRoleArn: ROLE,
        ResourceType: 'S3',
      }),
    );
    const { job } = await untilSettled(client, started.RestoreJobId ?? '');
    expect(job.Status).toBe('COMPLETED');
    expect(await body(s3, 'moment-restored', 'keep.txt')).toBe('original');
    await expect(
      s3.send(new GetObjectCommand({ Bucket: 'moment-restored', Key: 'late.txt' })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    await expect(
      s3.send(new GetObjectCommand({ Bucket: 'moment-restored', Key: 'locked.bin' })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });
});

describe('StartRestoreJob / DescribeRestoreJob', () => {
  it('restores into a new bucket asynchronously: PENDING, RUNNING with PercentDone, then COMPLETED with CreatedResourceArn', async () => {
    const objects: Record<string, string> = {};
    for (let i = 0; i < 40; i++) objects[`docs/file-${i}.txt`] = `content ${i}`;
    seedBucket('finance', objects);
    const point = backup.createRecoveryPoint({ vault: 'daily', bucket: 'finance' });
    const { backup: client, s3 } = clients();

    const started = await client.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: point.recoveryPointArn,
        Metadata: {
          DestinationBucketName: 'finance-restore',
          NewBucket: 'true',
          Encrypted: 'false',
          CreationToken: 'tok-1',
        },
        IamRoleArn: ROLE,
        ResourceType: 'S3',
      }),
    );
    expect(started.RestoreJobId).toMatch(/^[0-9A-F-]{36}$/);
    const { job, seen } = await untilSettled(client, started.RestoreJobId ?? '');

    expect(seen[0]?.Status).toBe('PENDING');
    const running = seen.filter((s) => s.Status === 'RUNNING');
    expect(running.length).toBeGreaterThan(0);
    const percents = seen.map((s) => Number.parseFloat(s.PercentDone ?? 'NaN'));
    expect(percents.every((p, i) => i === 0 || p >= (percents[i - 1] ?? 0))).toBe(true);
    expect(
      running.some(
        (s) => Number.parseFloat(s.PercentDone ?? '0') > 0 && Number.parseFloat(s.PercentDone ?? '0') < 100,
      ),
    ).toBe(true);

    expect(job).toMatchObject({
      Status: 'COMPLETED',
      PercentDone: '100.00%',
      CreatedResourceArn: 'arn:aws:s3:::finance-restore',
      RecoveryPointArn: point.recoveryPointArn,
      SourceResourceArn: 'arn:aws:s3:::finance',
      ResourceType: 'S3',
      IamRoleArn: ROLE,
      AccountId: ACCOUNT,
    });
    expect(job.CompletionDate?.getTime()).toBeGreaterThanOrEqual(
      job.CreationDate?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    expect(await body(s3, 'finance-restore', 'docs/file-17.txt')).toBe('content 17');
    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: 'finance-restore' }));
    expect(versioning.Status).toBe('Enabled');
    expect(backup.restoreJobOutcome(started.RestoreJobId ?? '')?.restoredKeys).toHaveLength(40);
    // Operations are named for the sandbox's request counters.
    expect(sandbox.counters.get('StartRestoreJob')).toBeGreaterThan(0);
    expect(sandbox.counters.get('DescribeRestoreJob')).toBeGreaterThanOrEqual(seen.length);
  });

  it('in place, never overwrites: keys the attacker re-encrypted are skipped, deleted keys (delete marker current) are restored, new keys stay', async () => {
    seedBucket('crm', {
      'customers.csv': 'clean customers',
      'orders.csv': 'clean orders',
      'notes.txt': 'clean notes',
    });
    const point = backup.createRecoveryPoint({ vault: 'daily', bucket: 'crm' });
    // The attack: SSE-C re-encryption of two objects, deletion of the third, a ransom note.
    for (const key of ['customers.csv', 'orders.csv']) {
      store.putObject('crm', key, {
        body: Buffer.from('ciphertext'),
        sseCustomerAlgorithm: 'AES256',
        sseCustomerKeyMd5: ATTACKER_KEY_MD5,
      });
    }
    const { backup: client, s3 } = clients();
    await s3.send(new DeleteObjectCommand({ Bucket: 'crm', Key: 'notes.txt' }));
    store.putObject('crm', 'README-RANSOM.txt', { body: Buffer.from('pay up') });

    const started = await client.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: point.recoveryPointArn,
        Metadata: { DestinationBucketName: 'crm', NewBucket: 'false' },
        IamRoleArn: ROLE,
      }),
    );
    const { job } = await untilSettled(client, started.RestoreJobId ?? '');
    expect(job.Status).toBe('COMPLETED');

    expect(await body(s3, 'crm', 'notes.txt')).toBe('clean notes');
    expect(await body(s3, 'crm', 'README-RANSOM.txt')).toBe('pay up');
    expect(store.getCurrentObject('crm', 'customers.csv')?.sseCustomerAlgorithm).toBe('AES256');
    expect(store.getCurrentObject('crm', 'orders.csv')?.sseCustomerAlgorithm).toBe('AES256');
    const outcome = backup.restoreJobOutcome(started.RestoreJobId ?? '');
    expect(outcome?.skippedKeys.sort()).toEqual(['customers.csv', 'orders.csv']);
    expect(outcome?.restoredKeys).toEqual(['notes.txt']);
  });

  it('ItemsToRestore restores only the listed S3 URIs', async () => {
    seedBucket('assets', { 'a.png': 'A', 'b.png': 'B', 'c.png': 'C' });
    const point = backup.createRecoveryPoint({ vault: 'daily', bucket: 'assets' });
    const { backup: client } = clients();
    const started = await client.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: point.recoveryPointArn,
        Metadata: {
          DestinationBucketName: 'assets-partial',
          NewBucket: 'true',
          ItemsToRestore: '["s3://assets/b.png"]',
        },
        IamRoleArn: ROLE,
      }),
    );
    await untilSettled(client, started.RestoreJobId ?? '');
    expect(store.listCurrentObjects('assets-partial').map((o) => o.key)).toEqual(['b.png']);
  });

  it('fails the job when NewBucket disagrees with the destination (exists / missing)', async () => {
    seedBucket('taken', { t: 't' });
    const point = backup.createRecoveryPoint({ vault: 'daily', bucket: 'taken' });
    const { backup: client } = clients();
    for (const metadata of [
      { DestinationBucketName: 'taken', NewBucket: 'true' },
      { DestinationBucketName: 'never-created', NewBucket: 'false' },
    ]) {
      const started = await client.send(
        new StartRestoreJobCommand({
          RecoveryPointArn: point.recoveryPointArn,
          Metadata: metadata,
          IamRoleArn: ROLE,
        }),
      );
      const { job } = await untilSettled(client, started.RestoreJobId ?? '');
      expect(job.Status).toBe('FAILED');
      expect(job.StatusMessage).toContain(metadata.DestinationBucketName);
    }
    expect(store.bucketExists('never-created')).toBe(false);
  });

  it('retrying with the same IdempotencyToken starts no second job ("success message with no action taken")', async () => {
    seedBucket('idem', { i: 'i' });
    const point = backup.createRecoveryPoint({ vault: 'daily', bucket: 'idem' });
    const { backup: client } = clients();
    const input = {
      RecoveryPointArn: point.recoveryPointArn,
      Metadata: { DestinationBucketName: 'idem-copy', NewBucket: 'true' },
      IamRoleArn: ROLE,
      IdempotencyToken: 'restore-idem-1',
    };
    const first = await client.send(new StartRestoreJobCommand(input));
    const second = await client.send(new StartRestoreJobCommand(input));
    expect(second.RestoreJobId).toBe(first.RestoreJobId);
    const { job } = await untilSettled(client, first.RestoreJobId ?? '');
    expect(job.Status).toBe('COMPLETED');
  });

  it("rejects bad input with Backup's JSON errors: unknown point (ResourceNotFoundException), bad NewBucket (InvalidParameterValueException), unknown job", async () => {
    seedBucket('errs', { e: 'e' });
    const point = backup.createRecoveryPoint({ vault: 'daily', bucket: 'errs' });
    const { backup: client } = clients();
    await expect(
      client.send(
        new StartRestoreJobCommand({
          RecoveryPointArn: `${point.recoveryPointArn}X`,
          Metadata: { NewBucket: 'false' },
          IamRoleArn: ROLE,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
    await expect(
      client.send(
        new StartRestoreJobCommand({
          RecoveryPointArn: point.recoveryPointArn,
          Metadata: { NewBucket: 'maybe' },
          IamRoleArn: ROLE,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', $metadata: { httpStatusCode: 400 } });
    await expect(
      client.send(new DescribeRestoreJobCommand({ RestoreJobId: 'DEADBEEF-0000-0000-0000-000000000000' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('idle() resolves once every restore job has settled', async () => {
    seedBucket('idle-src', { a: 'a' });
    const point = backup.createRecoveryPoint({ vault: 'daily', bucket: 'idle-src' });
    const { backup: client } = clients();
    const started = await client.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: point.recoveryPointArn,
        Metadata: { DestinationBucketName: 'idle-dst', NewBucket: 'true' },
        IamRoleArn: ROLE,
      }),
    );
    expect(backup.restoreJobOutcome(started.RestoreJobId ?? '')?.status).toBe('PENDING');
    await backup.idle();
    expect(backup.restoreJobOutcome(started.RestoreJobId ?? '')?.status).toBe('COMPLETED');
  });
});
