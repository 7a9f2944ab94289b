import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsClientFactory, createAwsClientFactory } from '../../../src/aws/clients.ts';
import { SSEC_DENY_SID } from '../../../src/aws/contain/block-sse-c.ts';
import { contain } from '../../../src/aws/contain/contain.ts';
import { AWS_DENY_ALL_ARN } from '../../../src/aws/contain/deactivate-key.ts';
import { planContainment } from '../../../src/aws/contain/plan.ts';
import { REVOKE_POLICY_NAME } from '../../../src/aws/contain/revoke-sessions.ts';
import { rollbackContainment } from '../../../src/aws/contain/rollback.ts';
import { recover } from '../../../src/aws/recover/recover.ts';
import { verifyRecovery } from '../../../src/aws/recover/verify.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import { createStore, type Store } from '../../../src/store/store.ts';
import { sandboxS3Client } from '../../helpers/aws-clients.ts';
import { tempDir } from '../../helpers/temp.ts';

const BUCKET = 'victim-data';
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const OTHER_STATEMENTS = [
  {
    Sid: 'AllowAnalytics',
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::123456789012:role/analytics' },
    Action: 's3:GetObject',
    Resource: `arn:aws:s3:::${BUCKET}/*`,
  },
  {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  },
];
const ORIGINAL_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Id: 'victim-policy',
  Statement: OTHER_STATEMENTS,
});

let sandbox: AwsSandbox;
let factory: AwsClientFactory;
let admin: S3Client;
let store: Store;
let cleanup: () => void;

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 7 });
  factory = createAwsClientFactory({
    endpoint: sandbox.endpoint,
    region: sandbox.region,
    credentials: sandbox.adminCredentials,
    forcePathStyle: true,
    maxAttempts: 2,
  });
  admin = sandboxS3Client(sandbox);
});

afterAll(async () => {
  factory.destroy();
  admin.destroy();
  await sandbox.stop();
});

let attacker: { accessKeyId: string; secretAccessKey: string };
let bystander: { accessKeyId: string; secretAccessKey: string };

beforeEach(async () => {
  const t = tempDir('ssec-contain-');
  cleanup = t.cleanup;
  store = createStore(join(t.dir, 'ssec.db'));
  sandbox.s3.reset();
  const suffix = randomBytes(3).toString('hex');
  sandbox.iam.createUser(`mallory-${suffix}`);
  attacker = sandbox.iam.createAccessKey(`mallory-${suffix}`);
  sandbox.iam.createUser(`bob-${suffix}`);
  bystander = sandbox.iam.createAccessKey(`bob-${suffix}`);
  sandbox.s3.createBucket(BUCKET, { versioning: 'Enabled' });
  sandbox.s3.seed(BUCKET, [
    { key: 'data/a.csv', body: Buffer.from('alpha'), contentType: 'text/csv' },
    { key: 'data/b.csv', body: Buffer.from('bravo'), contentType: 'text/csv' },
  ]);
  await admin.send(
    new PutBucketEncryptionCommand({
      Bucket: BUCKET,
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KMS_KEY },
            BucketKeyEnabled: true,
          },
        ],
      },
    }),
  );
  await admin.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: ORIGINAL_POLICY }));
  await admin.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: BUCKET,
      LifecycleConfiguration: {
        Rules: [
          {
            ID: 'attacker-expire',
            Status: 'Enabled',
            Filter: { Prefix: '' },
            Expiration: { Days: 7 },
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          },
          {
            ID: 'tidy-uploads',
            Status: 'Enabled',
            Filter: { Prefix: '' },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 },
          },
        ],
      },
    }),
  );
});

afterEach(() => {
  store.close();
  cleanup();
});

const clients = () => factory.forAccount();

function userOf(accessKeyId: string): string {
  const d = sandbox.iam.describeAccessKey(accessKeyId);
  if (!d?.userName) throw new Error('no user');
  return d.userName;
}

async function sseCCopy(
  creds: { accessKeyId: string; secretAccessKey: string },
  key: string,
): Promise<number> {
  const client = sandboxS3Client(sandbox, { credentials: creds, maxAttempts: 1 });
  try {
    await client.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: key,
        CopySource: `${BUCKET}/${key}`,
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: randomBytes(32).toString('base64'),
      } as never),
    );
    return 200;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? -1;
  } finally {
    client.destroy();
  }
}

async function bucketState() {
  const enc = await admin.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }));
  const policy = await admin.send(new GetBucketPolicyCommand({ Bucket: BUCKET }));
  const lifecycle = await admin.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET }));
  return {
    rules: enc.ServerSideEncryptionConfiguration?.Rules ?? [],
    policy: policy.Policy ?? '',
    lifecycle: lifecycle.Rules ?? [],
  };
}

describe('contain against the AWS stand-in', () => {
  it('dry run shows every change and changes nothing', async () => {
    const plan = await planContainment({
      clients: clients(),
      accessKeyIds: [attacker.accessKeyId],
      buckets: [BUCKET],
      options: { denyAll: true, blockMethod: 'both' },
    });
    expect(plan.keys[0]).toMatchObject({
      type: 'long-term',
      userName: userOf(attacker.accessKeyId),
      status: 'Active',
    });
    expect(plan.steps.map((s) => [s.kind, s.status])).toEqual([
      ['deactivate-key', 'planned'],
      ['attach-deny-all', 'planned'],
      ['block-sse-c-encryption', 'planned'],
      ['block-sse-c-policy', 'planned'],
      ['defuse-lifecycle', 'planned'],
    ]);
    const lifecycle = plan.steps.find((s) => s.kind === 'defuse-lifecycle');
    expect(lifecycle?.changes).toEqual([
      `bucket ${BUCKET}: lifecycle rule "attacker-expire" (Expiration 7 days; NoncurrentVersionExpiration 1 days): Enabled → Disabled`,
    ]);
    expect(plan.steps.find((s) => s.kind === 'block-sse-c-encryption')?.changes[0]).toContain(
      `aws:kms, key ${KMS_KEY}, BucketKeyEnabled`,
    );

    const dry = await contain({
      clients: clients(),
      store,
      accessKeyIds: [attacker.accessKeyId],
      buckets: [BUCKET],
      options: { blockMethod: 'both' },
      dryRun: true,
      idempotencyKey: 'dry',
    });
    expect(dry.dryRun).toBe(true);
    expect(sandbox.iam.describeAccessKey(attacker.accessKeyId)?.status).toBe('Active');
    const state = await bucketState();
    expect(state.rules[0]?.BlockedEncryptionTypes).toBeUndefined();
    expect(JSON.parse(state.policy)).toEqual(JSON.parse(ORIGINAL_POLICY));
    expect(state.lifecycle.every((r) => r.Status === 'Enabled')).toBe(true);
    expect(store.effects.get('dry')).toBeUndefined();
    expect(await sseCCopy(attacker, 'data/a.csv')).toBe(200);
  });

  it('contains: key inactive, SSE-C blocked both ways with KMS and other statements kept, lifecycle defused', async () => {
    // The attack: the stolen key re-encrypts data/b.csv with its own customer key.
    expect(await sseCCopy(attacker, 'data/b.csv')).toBe(200);
    const result = await contain({
      clients: clients(),
      store,
      incidentId: null,
      accessKeyIds: [attacker.accessKeyId],
      buckets: [BUCKET],
      options: { denyAll: true, blockMethod: 'both', defuseLifecycle: true },
      idempotencyKey: 'incident-1/contain/1',
      actor: 'U123',
    });
    expect(result).toMatchObject({
      keysDeactivated: 1,
      bucketsBlocked: 1,
      lifecycleRulesDefused: 1,
      failed: 0,
    });
    expect(result.steps.every((s) => s.status === 'applied')).toBe(true);
    expect(result.awsRequestIds.length).toBeGreaterThanOrEqual(5);

    expect(sandbox.iam.describeAccessKey(attacker.accessKeyId)?.status).toBe('Inactive');
    const state = await bucketState();
    expect(state.rules).toEqual([
      {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KMS_KEY },
        BucketKeyEnabled: true,
        BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
      },
    ]);
    const policy = JSON.parse(state.policy) as { Id: string; Statement: Array<{ Sid: string }> };
    expect(policy.Id).toBe('victim-policy');
    expect(policy.Statement.slice(0, 2)).toEqual(OTHER_STATEMENTS);
    expect(policy.Statement.map((s) => s.Sid)).toEqual([
      'AllowAnalytics',
      'DenyInsecureTransport',
      SSEC_DENY_SID,
    ]);
    expect(state.lifecycle.map((r) => [r.ID, r.Status])).toEqual([
      ['attacker-expire', 'Disabled'],
      ['tidy-uploads', 'Enabled'],
    ]);
    expect(state.lifecycle[0]?.NoncurrentVersionExpiration?.NoncurrentDays).toBe(1);

    // The attacker's key is dead; another key cannot write SSE-C either; the bot's plain copy works.
    expect(await sseCCopy(attacker, 'data/a.csv')).toBe(403);
    expect(await sseCCopy(bystander, 'data/a.csv')).toBe(403);
    // The bot's own restore of the attacked object goes through: its copy carries no SSE-C.
    const [attacked, clean] = sandbox.s3.listVersions(BUCKET, 'data/b.csv');
    const run = store.assessments.startRun({ bucket: BUCKET, windowStart: new Date(0) });
    store.assessments.commitPage(run.id, {
      affected: [
        {
          key: 'data/b.csv',
          versionId: attacked!.versionId,
          lastModified: attacked!.lastModified,
          size: attacked!.size,
          isDeleteMarker: false,
          restoreVersionId: clean!.versionId,
          restoreSize: clean!.size,
          restoreEtag: clean!.etag,
          reason: null,
        },
      ],
      changed: [],
      cursor: null,
      progress: {},
    });
    const restored = await recover({ clients: clients(), store, runIds: [run.id] });
    expect(restored).toMatchObject({ restored: 1, failed: 0, copied: 1 });
    expect((await verifyRecovery({ s3: admin, store, runIds: [run.id] })).done).toBe(true);

    const audit = store.audit.entries().map((e) => e.action);
    expect(audit).toEqual([
      'contain.deactivate-key',
      'contain.attach-deny-all',
      'contain.block-sse-c-encryption',
      'contain.block-sse-c-policy',
      'contain.defuse-lifecycle',
    ]);
    expect(store.audit.entries()[0]?.awsRequestIds.length).toBe(1);
  });

  it('each block alone stops SSE-C writes from a valid key', async () => {
    // Each round's final probe succeeds and leaves its object SSE-C, so each round has its own object.
    for (const [blockMethod, object] of [
      ['encryption', 'data/a.csv'],
      ['policy', 'data/b.csv'],
    ] as const) {
      const key = `only-${blockMethod}`;
      await contain({
        clients: clients(),
        store,
        accessKeyIds: [],
        buckets: [BUCKET],
        options: { blockMethod, defuseLifecycle: false },
        idempotencyKey: key,
      });
      expect(await sseCCopy(bystander, object)).toBe(403);
      await rollbackContainment({
        clients: clients(),
        store,
        containKeys: [key],
        idempotencyKey: `${key}/undo`,
      });
      expect(await sseCCopy(bystander, object)).toBe(200);
    }
  });

  it('is idempotent: a re-run changes nothing and a new attempt finds everything in place', async () => {
    const params = {
      clients: clients(),
      store,
      accessKeyIds: [attacker.accessKeyId],
      buckets: [BUCKET],
      options: { blockMethod: 'both' as const },
      idempotencyKey: 'inc/contain/1',
    };
    const first = await contain(params);
    const calls = sandbox.counters.total();
    const again = await contain(params);
    expect(again).toEqual(first);
    expect(sandbox.counters.total()).toBe(calls);

    const second = await contain({ ...params, idempotencyKey: 'inc/contain/2' });
    expect(second.steps.map((s) => s.status)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    const policy = JSON.parse((await bucketState()).policy) as { Statement: unknown[] };
    expect(policy.Statement).toHaveLength(3);
  });

  it('rolls every step back to its saved before-state, and only what it changed', async () => {
    const before = await bucketState();
    // AWSDenyAll already attached by someone else must survive the rollback.
    const other = `carol-${randomBytes(3).toString('hex')}`;
    sandbox.iam.createUser(other);
    const otherKey = sandbox.iam.createAccessKey(other);
    sandbox.iam.attachUserPolicy(other, AWS_DENY_ALL_ARN);
    sandbox.iam.updateAccessKey(otherKey.accessKeyId, 'Inactive');

    await contain({
      clients: clients(),
      store,
      accessKeyIds: [attacker.accessKeyId, otherKey.accessKeyId],
      buckets: [BUCKET],
      options: { denyAll: true, blockMethod: 'both' },
      idempotencyKey: 'inc/contain/1',
    });
    const dry = await rollbackContainment({
      clients: clients(),
      store,
      containKeys: ['inc/contain/1'],
      idempotencyKey: 'inc/rollback/1',
      dryRun: true,
    });
    expect(dry.steps.filter((s) => s.status === 'planned').map((s) => s.kind)).toEqual([
      'defuse-lifecycle',
      'block-sse-c-policy',
      'block-sse-c-encryption',
      'attach-deny-all',
      'deactivate-key',
    ]);
    expect(sandbox.iam.describeAccessKey(attacker.accessKeyId)?.status).toBe('Inactive');

    const undo = await rollbackContainment({
      clients: clients(),
      store,
      containKeys: ['inc/contain/1'],
      idempotencyKey: 'inc/rollback/1',
    });
    expect(undo).toMatchObject({
      keysReactivated: 1,
      bucketsUnblocked: 1,
      lifecycleRulesRestored: 1,
      failed: 0,
    });
    expect(sandbox.iam.describeAccessKey(attacker.accessKeyId)?.status).toBe('Active');
    expect(sandbox.iam.describeAccessKey(otherKey.accessKeyId)?.status).toBe('Inactive');
    const after = await bucketState();
    expect(after.rules).toEqual(before.rules);
    expect(after.policy).toBe(ORIGINAL_POLICY);
    expect(after.lifecycle).toEqual(before.lifecycle);
    expect(await sseCCopy(bystander, 'data/a.csv')).toBe(200);
  });

  it('deletes a policy that did not exist before, and puts back the default encryption', async () => {
    sandbox.s3.createBucket('bare-bucket', { versioning: 'Enabled' });
    sandbox.s3.seed('bare-bucket', [{ key: 'x', body: Buffer.from('x') }]);
    const before = await admin.send(new GetBucketEncryptionCommand({ Bucket: 'bare-bucket' }));
    await contain({
      clients: clients(),
      store,
      accessKeyIds: [],
      buckets: ['bare-bucket'],
      options: { blockMethod: 'both' },
      idempotencyKey: 'bare',
    });
    const config = sandbox.s3.bucketConfig('bare-bucket');
    expect(config.encryption?.[0]).toMatchObject({
      sseAlgorithm: 'AES256',
      blockedEncryptionTypes: ['SSE-C'],
    });
    expect(JSON.parse(config.policy ?? '{}').Statement).toHaveLength(1);
    await rollbackContainment({
      clients: clients(),
      store,
      containKeys: ['bare'],
      idempotencyKey: 'bare/undo',
    });
    expect(sandbox.s3.bucketConfig('bare-bucket').policy).toBeUndefined();
    const after = await admin.send(new GetBucketEncryptionCommand({ Bucket: 'bare-bucket' }));
    expect(after.ServerSideEncryptionConfiguration).toEqual(before.ServerSideEncryptionConfiguration);
    expect(after.ServerSideEncryptionConfiguration?.Rules?.[0]?.BlockedEncryptionTypes).toBeUndefined();
  });

  it('rollback keeps statements added to the policy after containment', async () => {
    await contain({
      clients: clients(),
      store,
      accessKeyIds: [],
      buckets: [BUCKET],
      options: { blockMethod: 'policy', defuseLifecycle: false },
      idempotencyKey: 'pol',
    });
    const current = JSON.parse((await bucketState()).policy) as { Statement: unknown[] };
    const added = {
      Sid: 'AddedLater',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:DeleteBucket',
      Resource: `arn:aws:s3:::${BUCKET}`,
    };
    await admin.send(
      new PutBucketPolicyCommand({
        Bucket: BUCKET,
        Policy: JSON.stringify({ ...current, Statement: [...current.Statement, added] }),
      }),
    );
    await rollbackContainment({
      clients: clients(),
      store,
      containKeys: ['pol'],
      idempotencyKey: 'pol/undo',
    });
    const after = JSON.parse((await bucketState()).policy) as { Statement: Array<{ Sid: string }> };
    expect(after.Statement.map((s) => s.Sid)).toEqual([
      'AllowAnalytics',
      'DenyInsecureTransport',
      'AddedLater',
    ]);
  });

  it('revokes a role’s older sessions for a session key, and rolls it back', async () => {
    const role = `app-${randomBytes(3).toString('hex')}`;
    sandbox.iam.createRole(role);
    const session = sandbox.iam.createRoleSession(role, 'stolen', {
      issuedAt: new Date(Date.now() - 60_000),
    });
    const sessionCreds = {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
    };
    const result = await contain({
      clients: clients(),
      store,
      accessKeyIds: [session.accessKeyId],
      keyHints: { [session.accessKeyId]: { roleName: role } },
      buckets: [],
      options: {},
      idempotencyKey: 'sess',
    });
    expect(result.keys[0]).toMatchObject({ type: 'session', accountId: sandbox.accountId, roleName: role });
    expect(result.sessionsRevoked).toBe(1);
    const probe = sandboxS3Client(sandbox, { credentials: sessionCreds, maxAttempts: 1 });
    const status = await probe
      .send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'x', CopySource: `${BUCKET}/data/a.csv` }))
      .then(() => 200)
      .catch((e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode);
    expect(status).toBe(403);
    await rollbackContainment({
      clients: clients(),
      store,
      containKeys: ['sess'],
      idempotencyKey: 'sess/undo',
    });
    const ok = await probe
      .send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'x', CopySource: `${BUCKET}/data/a.csv` }))
      .then(() => 200)
      .catch((e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode);
    probe.destroy();
    expect(ok).toBe(200);
    expect(REVOKE_POLICY_NAME).toBe('AWSRevokeOlderSessions');
  });
});
