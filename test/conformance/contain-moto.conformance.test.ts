// Containment against moto, a second implementation of IAM, STS and S3 written by others: the
// steps must not lean on quirks of our own stand-in.

import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetRolePolicyCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsClientFactory, createAwsClientFactory } from '../../src/aws/clients.ts';
import { SSEC_DENY_SID } from '../../src/aws/contain/block-sse-c.ts';
import { contain } from '../../src/aws/contain/contain.ts';
import { AWS_DENY_ALL_ARN } from '../../src/aws/contain/deactivate-key.ts';
import { REVOKE_POLICY_NAME } from '../../src/aws/contain/revoke-sessions.ts';
import { rollbackContainment } from '../../src/aws/contain/rollback.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { type MotoServer, startMoto } from '../helpers/moto.ts';
import { tempDir } from '../helpers/temp.ts';

let moto: MotoServer | undefined;
let factory: AwsClientFactory;
let store: Store;
const dir = tempDir('ssec-moto-');

beforeAll(async () => {
  // moto leaves AWS managed policies (AWSDenyAll among them) out unless asked; the child inherits this.
  process.env['MOTO_IAM_LOAD_MANAGED_POLICIES'] = 'true';
  moto = await startMoto();
  if (!moto) return;
  factory = createAwsClientFactory({
    endpoint: moto.endpoint,
    region: moto.region,
    credentials: moto.adminCredentials,
    forcePathStyle: true,
    maxAttempts: 2,
  });
  store = createStore(join(dir.dir, 'ssec.db'));
}, 60_000);

afterAll(async () => {
  store?.close();
  factory?.destroy();
  await moto?.stop();
  dir.cleanup();
});

describe('containment against moto', () => {
  it('deactivates the key, attaches AWSDenyAll, revokes sessions, keeps other policies, and rolls it all back', async (ctx) => {
    if (!moto) return ctx.skip();
    const { iam, s3 } = factory.forAccount();
    await iam.send(new CreateUserCommand({ UserName: 'mallory' }));
    const created = await iam.send(new CreateAccessKeyCommand({ UserName: 'mallory' }));
    const keyId = created.AccessKey!.AccessKeyId!;
    expect(keyId).toMatch(/^AKIA/);
    const inline = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
    });
    await iam.send(
      new PutUserPolicyCommand({ UserName: 'mallory', PolicyName: 'app-read', PolicyDocument: inline }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'app-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'moto-victim' }));
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'moto-victim',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    const otherStatement = {
      Sid: 'Keep',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::moto-victim/*',
    };
    const original = JSON.stringify({ Version: '2012-10-17', Statement: [otherStatement] });
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'moto-victim', Policy: original }));
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: 'moto-victim',
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'evil',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            },
          ],
        },
      }),
    );

    const session = 'ASIAFAKESESSIONKEY01';
    const result = await contain({
      clients: factory.forAccount(),
      store,
      accessKeyIds: [keyId, session],
      keyHints: { [session]: { roleName: 'app-role' } },
      buckets: ['moto-victim'],
      options: { denyAll: true, blockMethod: 'policy' },
      idempotencyKey: 'moto/contain/1',
    });
    expect(result.keys[0]).toMatchObject({
      type: 'long-term',
      userName: 'mallory',
      accountId: '123456789012',
    });
    expect(result.failed).toBe(0);

    const keys = await iam.send(new ListAccessKeysCommand({ UserName: 'mallory' }));
    expect(keys.AccessKeyMetadata?.find((k) => k.AccessKeyId === keyId)?.Status).toBe('Inactive');
    const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'mallory' }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([AWS_DENY_ALL_ARN]);
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: 'mallory' }))).PolicyNames).toEqual([
      'app-read',
    ]);
    const revoke = await iam.send(
      new GetRolePolicyCommand({ RoleName: 'app-role', PolicyName: REVOKE_POLICY_NAME }),
    );
    expect(
      JSON.parse(decodeURIComponent(revoke.PolicyDocument!)).Statement[0].Condition.DateLessThan[
        'aws:TokenIssueTime'
      ],
    ).toBeTruthy();
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: 'moto-victim' }))).Policy!);
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['Keep', SSEC_DENY_SID]);
    const lifecycle = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'moto-victim' }));
    expect(lifecycle.Rules?.[0]?.Status).toBe('Disabled');

    const again = await contain({
      clients: factory.forAccount(),
      store,
      accessKeyIds: [keyId, session],
      keyHints: { [session]: { roleName: 'app-role' } },
      buckets: ['moto-victim'],
      options: { denyAll: true, blockMethod: 'policy' },
      idempotencyKey: 'moto/contain/2',
    });
    // A later attempt moves the session cut-off forward (sessions re-assumed since are cut too); the rest is in place.
    expect(again.steps.map((s) => `${s.kind}:${s.status}`)).toEqual([
      'deactivate-key:unchanged',
      'attach-deny-all:unchanged',
      'revoke-sessions:applied',
      'block-sse-c-policy:unchanged',
      'defuse-lifecycle:unchanged',
    ]);

    const undo = await rollbackContainment({
      clients: factory.forAccount(),
      store,
      containKeys: ['moto/contain/1', 'moto/contain/2'],
      idempotencyKey: 'moto/rollback/1',
    });
    expect(undo).toMatchObject({
      keysReactivated: 1,
      sessionsRestored: 1,
      bucketsUnblocked: 1,
      lifecycleRulesRestored: 1,
      failed: 0,
    });
    const after = await iam.send(new ListAccessKeysCommand({ UserName: 'mallory' }));
    expect(after.AccessKeyMetadata?.find((k) => k.AccessKeyId === keyId)?.Status).toBe('Active');
    expect(
      (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'mallory' }))).AttachedPolicies,
    ).toEqual([]);
    await expect(
      iam.send(new GetRolePolicyCommand({ RoleName: 'app-role', PolicyName: REVOKE_POLICY_NAME })),
    ).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    const restored = JSON.parse(
      (await s3.send(new GetBucketPolicyCommand({ Bucket: 'moto-victim' }))).Policy!,
    );
    expect(restored).toEqual(JSON.parse(original));
    const lifecycleAfter = await s3.send(
      new GetBucketLifecycleConfigurationCommand({ Bucket: 'moto-victim' }),
    );
    expect(lifecycleAfter.Rules?.[0]?.Status).toBe('Enabled');
  });
});
