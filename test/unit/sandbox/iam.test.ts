// IAM in the AWS stand-in, driven through the real @aws-sdk/client-iam over loopback. Each test
// names the documented AWS behaviour it pins (IAM API Reference unless said otherwise).

import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AWS_DENY_ALL_ARN,
  accountFromAccessKeyId,
  type IamService,
  newAccessKeyId,
} from '../../../src/sandbox/aws/iam.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';

const DENY_ALL_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
});

let clock = new Date('2025-01-13T10:00:00Z');
let sandbox: AwsSandbox;
let iam: IamService;
let ACCOUNT: string;

function credentials(accessKeyId: string, secretAccessKey = 'sandbox-secret', sessionToken?: string) {
  return {
    endpoint: sandbox.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    maxAttempts: 1,
  };
}

const admin = () => new IAMClient(credentials(iam.adminAccessKeyId));

beforeAll(async () => {
  sandbox = await startAwsSandbox({ now: () => clock });
  iam = sandbox.iam;
  ACCOUNT = sandbox.accountId;
});

afterAll(async () => {
  await sandbox.stop();
});

describe('IAM users', () => {
  it('creates, gets, lists and deletes a user; names are unique regardless of case (EntityAlreadyExists, 409)', async () => {
    const client = admin();
    const created = await client.send(new CreateUserCommand({ UserName: 'alice' }));
    expect(created.User).toMatchObject({
      UserName: 'alice',
      Path: '/',
      Arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      CreateDate: clock,
    });
    expect(created.User?.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);

    const got = await client.send(new GetUserCommand({ UserName: 'alice' }));
    expect(got.User?.UserId).toBe(created.User?.UserId);

    await expect(client.send(new CreateUserCommand({ UserName: 'ALICE' }))).rejects.toMatchObject({
      name: 'EntityAlreadyExistsException',
      $metadata: { httpStatusCode: 409 },
    });

    const listed = await client.send(new ListUsersCommand({}));
    expect(listed.Users?.map((u) => u.UserName)).toContain('alice');
    expect(listed.IsTruncated).toBe(false);

    await client.send(new DeleteUserCommand({ UserName: 'alice' }));
    await expect(client.send(new GetUserCommand({ UserName: 'alice' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('pages ListUsers with MaxItems and Marker (IsTruncated true until the last page)', async () => {
    const client = admin();
    for (const name of ['page-a', 'page-b', 'page-c'])
      await client.send(new CreateUserCommand({ UserName: name, Path: '/paging/' }));
    const first = await client.send(new ListUsersCommand({ PathPrefix: '/paging/', MaxItems: 2 }));
    expect(first.Users?.map((u) => u.UserName)).toEqual(['page-a', 'page-b']);
    expect(first.IsTruncated).toBe(true);
    const second = await client.send(
      new ListUsersCommand({ PathPrefix: '/paging/', MaxItems: 2, Marker: first.Marker }),
    );
    expect(second.Users?.map((u) => u.UserName)).toEqual(['page-c']);
    expect(second.IsTruncated).toBe(false);
  });

  it('refuses DeleteUser while the user still has access keys (DeleteConflict, 409)', async () => {
    const client = admin();
    await client.send(new CreateUserCommand({ UserName: 'keeper' }));
    const key = await client.send(new CreateAccessKeyCommand({ UserName: 'keeper' }));
    await expect(client.send(new DeleteUserCommand({ UserName: 'keeper' }))).rejects.toMatchObject({
      name: 'DeleteConflictException',
      $metadata: { httpStatusCode: 409 },
    });
    await client.send(
      new DeleteAccessKeyCommand({ UserName: 'keeper', AccessKeyId: key.AccessKey?.AccessKeyId }),
    );
    await client.send(new DeleteUserCommand({ UserName: 'keeper' }));
  });
});

describe('IAM access keys', () => {
  it('issues AKIA keys with a 40-character secret, Active, at most two per user (LimitExceeded)', async () => {
    const client = admin();
    await client.send(new CreateUserCommand({ UserName: 'bob' }));
    const one = await client.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
    const two = await client.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
    for (const created of [one, two]) {
      expect(created.AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(created.AccessKey?.SecretAccessKey).toHaveLength(40);
      expect(created.AccessKey).toMatchObject({ UserName: 'bob', Status: 'Active' });
    }
    expect(one.AccessKey?.AccessKeyId).not.toBe(two.AccessKey?.AccessKeyId);
    // The key id carries the account, as AWS's current-generation ids do.
    expect(accountFromAccessKeyId(one.AccessKey?.AccessKeyId ?? '')).toBe(ACCOUNT);

    await expect(client.send(new CreateAccessKeyCommand({ UserName: 'bob' }))).rejects.toMatchObject({
      name: 'LimitExceededException',
      $metadata: { httpStatusCode: 409 },
    });
    const listed = await client.send(new ListAccessKeysCommand({ UserName: 'bob' }));
    expect(listed.AccessKeyMetadata?.map((k) => k.AccessKeyId).sort()).toEqual(
      [one.AccessKey?.AccessKeyId, two.AccessKey?.AccessKeyId].sort(),
    );
  });

  it('UpdateAccessKey Inactive: "Inactive means that the key cannot be used"; Active restores it', async () => {
    const client = admin();
    await client.send(new CreateUserCommand({ UserName: 'carol' }));
    const created = await client.send(new CreateAccessKeyCommand({ UserName: 'carol' }));
    const keyId = created.AccessKey?.AccessKeyId ?? '';
    const asCarol = new IAMClient(credentials(keyId, created.AccessKey?.SecretAccessKey));
    await expect(asCarol.send(new GetUserCommand({}))).resolves.toMatchObject({
      User: { UserName: 'carol' },
    });

    await client.send(
      new UpdateAccessKeyCommand({ UserName: 'carol', AccessKeyId: keyId, Status: 'Inactive' }),
    );
    const listed = await client.send(new ListAccessKeysCommand({ UserName: 'carol' }));
    expect(listed.AccessKeyMetadata?.[0]?.Status).toBe('Inactive');
    // IAM and STS refuse an unusable key as they refuse an unknown one (Common Errors, 403).
    await expect(asCarol.send(new GetUserCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
      $metadata: { httpStatusCode: 403 },
    });
    const stsAsCarol = new STSClient(credentials(keyId));
    await expect(stsAsCarol.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
      $metadata: { httpStatusCode: 403 },
    });

    await client.send(
      new UpdateAccessKeyCommand({ UserName: 'carol', AccessKeyId: keyId, Status: 'Active' }),
    );
    await expect(asCarol.send(new GetUserCommand({}))).resolves.toMatchObject({
      User: { UserName: 'carol' },
    });
  });

  it('UpdateAccessKey for a key the named user does not own is NoSuchEntity (404)', async () => {
    const client = admin();
    await client.send(new CreateUserCommand({ UserName: 'dave' }));
    await client.send(new CreateUserCommand({ UserName: 'erin' }));
    const daves = await client.send(new CreateAccessKeyCommand({ UserName: 'dave' }));
    await expect(
      client.send(
        new UpdateAccessKeyCommand({
          UserName: 'erin',
          AccessKeyId: daves.AccessKey?.AccessKeyId,
          Status: 'Inactive',
        }),
      ),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException', $metadata: { httpStatusCode: 404 } });
    expect(iam.describeAccessKey(daves.AccessKey?.AccessKeyId ?? '')?.status).toBe('Active');
  });

  it('refuses a key it never issued with InvalidClientTokenId (403)', async () => {
    const stranger = new IAMClient(credentials(newAccessKeyId('AKIA', ACCOUNT)));
    await expect(stranger.send(new ListUsersCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('GetAccessKeyLastUsed: N/A before first use, then the user, service, region and date of the last use', async () => {
    const client = admin();
    await client.send(new CreateUserCommand({ UserName: 'frank' }));
    const created = await client.send(new CreateAccessKeyCommand({ UserName: 'frank' }));
    const keyId = created.AccessKey?.AccessKeyId ?? '';

    const unused = await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
    expect(unused.UserName).toBe('frank');
    expect(unused.AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' });

    clock = new Date('2025-01-13T11:30:00Z');
    const sts = new STSClient({ ...credentials(keyId), region: 'eu-west-1' });
    await sts.send(new GetCallerIdentityCommand({}));

    const used = await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
    expect(used.UserName).toBe('frank');
    expect(used.AccessKeyLastUsed).toEqual({
      LastUsedDate: new Date('2025-01-13T11:30:00Z'),
      ServiceName: 'sts',
      Region: 'eu-west-1',
    });
  });

  it('GetAccessKeyLastUsed for an unknown key is NoSuchEntity (404)', async () => {
    await expect(
      admin().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: newAccessKeyId('AKIA', ACCOUNT) })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException', $metadata: { httpStatusCode: 404 } });
  });
});

describe('IAM policies', () => {
  it('round-trips a user inline policy; GetUserPolicy returns it URL-encoded (RFC 3986)', async () => {
    const client = admin();
    await client.send(new CreateUserCommand({ UserName: 'grace' }));
    const doc = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }],
    });
    await client.send(
      new PutUserPolicyCommand({ UserName: 'grace', PolicyName: 'read-data', PolicyDocument: doc }),
    );
    const got = await client.send(new GetUserPolicyCommand({ UserName: 'grace', PolicyName: 'read-data' }));
    expect(got.PolicyDocument).toBe(encodeURIComponent(doc));
    expect(decodeURIComponent(got.PolicyDocument ?? '')).toBe(doc);
    const listed = await client.send(new ListUserPoliciesCommand({ UserName: 'grace' }));
    expect(listed.PolicyNames).toEqual(['read-data']);
    await client.send(new DeleteUserPolicyCommand({ UserName: 'grace', PolicyName: 'read-data' }));
    await expect(
      client.send(new GetUserPolicyCommand({ UserName: 'grace', PolicyName: 'read-data' })),
    ).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
  });

  it('rejects a policy document that is not JSON (MalformedPolicyDocument, 400)', async () => {
    const client = admin();
    await client.send(new CreateUserCommand({ UserName: 'heidi' }));
    await expect(
      client.send(
        new PutUserPolicyCommand({ UserName: 'heidi', PolicyName: 'bad', PolicyDocument: '{not json' }),
      ),
    ).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', $metadata: { httpStatusCode: 400 } });
  });

  it('a user inline "Deny * on *" refuses every call with AccessDenied (explicit deny wins)', async () => {
    const client = admin();
    await client.send(new CreateUserCommand({ UserName: 'ivan' }));
    const created = await client.send(new CreateAccessKeyCommand({ UserName: 'ivan' }));
    const asIvan = new IAMClient(credentials(created.AccessKey?.AccessKeyId ?? ''));
    await expect(asIvan.send(new ListUsersCommand({}))).resolves.toBeDefined();

    await client.send(
      new PutUserPolicyCommand({
        UserName: 'ivan',
        PolicyName: 'quarantine',
        PolicyDocument: DENY_ALL_POLICY,
      }),
    );
    const refused = asIvan.send(new ListUsersCommand({}));
    await expect(refused).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    await expect(refused).rejects.toThrow(
      `User: arn:aws:iam::${ACCOUNT}:user/ivan is not authorized to perform: iam:ListUsers with an explicit deny in an identity-based policy`,
    );
  });

  it('a Deny statement with a condition, or on specific actions, is not the containment pattern and is not evaluated', async () => {
    const client = admin();
    await client.send(new CreateUserCommand({ UserName: 'judy' }));
    const created = await client.send(new CreateAccessKeyCommand({ UserName: 'judy' }));
    const conditional = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        { Effect: 'Deny', Action: 's3:PutObject', Resource: '*' },
      ],
    };
    iam.putUserPolicy('judy', 'narrow', conditional);
    const asJudy = new IAMClient(credentials(created.AccessKey?.AccessKeyId ?? ''));
    await expect(asJudy.send(new GetUserCommand({}))).resolves.toMatchObject({ User: { UserName: 'judy' } });
  });

  it('attaching AWSDenyAll refuses the user; detaching lifts it; unknown managed policies are NoSuchEntity', async () => {
    const client = admin();
    await client.send(new CreateUserCommand({ UserName: 'mallory' }));
    const created = await client.send(new CreateAccessKeyCommand({ UserName: 'mallory' }));
    const asMallory = new STSClient(credentials(created.AccessKey?.AccessKeyId ?? ''));
    const asMalloryIam = new IAMClient(credentials(created.AccessKey?.AccessKeyId ?? ''));

    await client.send(new AttachUserPolicyCommand({ UserName: 'mallory', PolicyArn: AWS_DENY_ALL_ARN }));
    const attached = await client.send(new ListAttachedUserPoliciesCommand({ UserName: 'mallory' }));
    expect(attached.AttachedPolicies).toEqual([{ PolicyName: 'AWSDenyAll', PolicyArn: AWS_DENY_ALL_ARN }]);
    await expect(asMalloryIam.send(new ListUsersCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    // STS API Reference, GetCallerIdentity: works even when a policy explicitly denies it.
    await expect(asMallory.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Arn: `arn:aws:iam::${ACCOUNT}:user/mallory`,
    });

    await client.send(new DetachUserPolicyCommand({ UserName: 'mallory', PolicyArn: AWS_DENY_ALL_ARN }));
    await expect(asMalloryIam.send(new ListUsersCommand({}))).resolves.toBeDefined();

    await expect(
      client.send(
        new AttachUserPolicyCommand({
          UserName: 'mallory',
          PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/nope`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException', $metadata: { httpStatusCode: 404 } });
  });
});

describe('IAM roles', () => {
  it('creates and gets a role with its trust policy (URL-encoded) and inline policies', async () => {
    const client = admin();
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'batchoperations.s3.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    });
    const created = await client.send(
      new CreateRoleCommand({ RoleName: 'batch-restore', AssumeRolePolicyDocument: trust }),
    );
    expect(created.Role).toMatchObject({
      RoleName: 'batch-restore',
      Arn: `arn:aws:iam::${ACCOUNT}:role/batch-restore`,
      MaxSessionDuration: 3600,
    });
    expect(created.Role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    const got = await client.send(new GetRoleCommand({ RoleName: 'batch-restore' }));
    expect(decodeURIComponent(got.Role?.AssumeRolePolicyDocument ?? '')).toBe(trust);

    await client.send(
      new PutRolePolicyCommand({
        RoleName: 'batch-restore',
        PolicyName: 'copy',
        PolicyDocument: DENY_ALL_POLICY,
      }),
    );
    const policy = await client.send(
      new GetRolePolicyCommand({ RoleName: 'batch-restore', PolicyName: 'copy' }),
    );
    expect(decodeURIComponent(policy.PolicyDocument ?? '')).toBe(DENY_ALL_POLICY);
    expect(
      (await client.send(new ListRolePoliciesCommand({ RoleName: 'batch-restore' }))).PolicyNames,
    ).toEqual(['copy']);
    await client.send(new DeleteRolePolicyCommand({ RoleName: 'batch-restore', PolicyName: 'copy' }));
    expect(
      (await client.send(new ListRolePoliciesCommand({ RoleName: 'batch-restore' }))).PolicyNames,
    ).toEqual([]);
    await expect(client.send(new GetRoleCommand({ RoleName: 'missing' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
  });

  it('"Revoke active sessions" (Deny * where aws:TokenIssueTime is before the cutoff) refuses only older sessions', async () => {
    iam.createRole('app-role');
    clock = new Date('2025-01-13T12:00:00Z');
    const old = iam.createRoleSession('app-role', 'attacker');
    const asOld = new IAMClient(credentials(old.accessKeyId, old.secretAccessKey, old.sessionToken));
    await expect(asOld.send(new ListUsersCommand({}))).resolves.toBeDefined();

    clock = new Date('2025-01-13T12:10:00Z');
    iam.putRolePolicy('app-role', 'AWSRevokeOlderSessions', {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          Condition: { DateLessThan: { 'aws:TokenIssueTime': clock.toISOString() } },
        },
      ],
    });
    await expect(asOld.send(new ListUsersCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });

    clock = new Date('2025-01-13T12:20:00Z');
    const fresh = iam.createRoleSession('app-role', 'responder');
    const asFresh = new IAMClient(credentials(fresh.accessKeyId, fresh.secretAccessKey, fresh.sessionToken));
    await expect(asFresh.send(new ListUsersCommand({}))).resolves.toBeDefined();
  });
});

describe('IamBackend.authorize, the contract S3 and Backup rely on', () => {
  it('passes the admin key, refuses unknown and Inactive keys as InvalidAccessKeyId and denied users as AccessDenied', () => {
    expect(iam.backend.authorize(iam.adminAccessKeyId)).toMatchObject({
      ok: true,
      accountId: ACCOUNT,
      userName: undefined,
    });
    expect(iam.backend.authorize('AKIAIOSFODNN7EXAMPLE')).toMatchObject({
      ok: false,
      status: 403,
      code: 'InvalidAccessKeyId',
    });
    expect(iam.backend.authorize(undefined)).toMatchObject({ ok: false, status: 403, code: 'AccessDenied' });

    iam.createUser('oscar');
    const key = iam.createAccessKey('oscar');
    expect(iam.backend.authorize(key.accessKeyId)).toEqual({
      ok: true,
      accessKeyId: key.accessKeyId,
      userName: 'oscar',
      accountId: ACCOUNT,
    });
    iam.updateAccessKey(key.accessKeyId, 'Inactive');
    expect(iam.backend.authorize(key.accessKeyId)).toMatchObject({ ok: false, code: 'InvalidAccessKeyId' });
    iam.updateAccessKey(key.accessKeyId, 'Active');
    iam.attachUserPolicy('oscar', AWS_DENY_ALL_ARN);
    expect(iam.backend.authorize(key.accessKeyId)).toMatchObject({
      ok: false,
      status: 403,
      code: 'AccessDenied',
    });
  });

  it('recordUse feeds GetAccessKeyLastUsed', async () => {
    iam.createUser('peggy');
    const key = iam.createAccessKey('peggy');
    iam.backend.recordUse(key.accessKeyId, 's3', 'us-west-2', new Date('2025-01-10T08:00:00Z'));
    const used = await admin().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
    expect(used).toMatchObject({
      UserName: 'peggy',
      AccessKeyLastUsed: {
        ServiceName: 's3',
        Region: 'us-west-2',
        LastUsedDate: new Date('2025-01-10T08:00:00Z'),
      },
    });
  });
});

describe('access key ids', () => {
  it('decodes the account from a current-generation key id (published example ASIAY34FZKBOKMUTVV7A → 609629065308)', () => {
    expect(accountFromAccessKeyId('ASIAY34FZKBOKMUTVV7A')).toBe('609629065308');
  });

  it('cannot decode an old-generation id such as AWS documentation example AKIAIOSFODNN7EXAMPLE', () => {
    expect(accountFromAccessKeyId('AKIAIOSFODNN7EXAMPLE')).toBeUndefined();
  });

  it('round-trips any 12-digit account through a fresh key id', () => {
    for (const account of ['000000000001', '123456789012', '999999999999', ACCOUNT]) {
      const id = newAccessKeyId('AKIA', account);
      expect(id).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(accountFromAccessKeyId(id)).toBe(account);
    }
  });
});
