// The same IAM and STS scenarios, through the real SDK clients, against the sandbox and against moto
// (the reference emulator). The expectations are AWS's documented behaviour; where moto 5.2.1
// differs, the test pins what moto does and says why in MOTO_DIFFERS, so a moto upgrade that
// changes it shows up here.
//
// moto runs with request authentication on (INITIAL_NO_AUTH_ACTION_COUNT: the first three calls
// bootstrap an administrator, every later call is signed by a key moto knows and evaluated against
// its IAM policies) and with AWS managed policies loaded (MOTO_IAM_LOAD_MANAGED_POLICIES), so that
// unknown keys, AWSDenyAll and inline denies mean in moto what they mean in AWS.

import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetAccessKeyInfoCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, describe, expect, it } from 'vitest';
import { newAccessKeyId } from '../../src/sandbox/aws/iam.ts';
import { startAwsSandbox } from '../../src/sandbox/aws/server.ts';
import { type MotoServer, startMoto } from '../helpers/moto.ts';

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

interface Target {
  name: 'sandbox' | 'moto';
  endpoint: string;
  region: string;
  accountId: string;
  admin: Credentials;
}

const DENY_ALL_ARN = 'arn:aws:iam::aws:policy/AWSDenyAll';
const policy = (effect: 'Allow' | 'Deny') =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: '*', Resource: '*' }] });

/** What moto 5.2.1 does differently from AWS, and why (file references are to moto's sources). */
const MOTO_DIFFERS = {
  inactiveKeyStillWorks:
    'moto/iam/access_control.py (IAMUserAccessKey) finds the key by id and never reads its status, ' +
    'so an Inactive key keeps authenticating; AWS: "Inactive means that the key cannot be used".',
  deleteUserWithKeys:
    'moto/iam/models.py delete_user removes a user that still has access keys; AWS refuses with ' +
    'DeleteConflict ("must delete access keys first").',
  userNamesCaseSensitive:
    'moto keys users by the exact name; AWS user names are unique regardless of case (EntityAlreadyExists).',
  accessKeyInfoFallsBack:
    'moto/sts/models.py get_access_key_info answers the calling account for any key it does not know; ' +
    'AWS decodes the account from current-generation key ids, whoever owns them.',
} as const;

async function startAuthenticatedMoto(): Promise<{ server: MotoServer; admin: Credentials } | undefined> {
  const saved = {
    count: process.env['INITIAL_NO_AUTH_ACTION_COUNT'],
    managed: process.env['MOTO_IAM_LOAD_MANAGED_POLICIES'],
  };
  process.env['INITIAL_NO_AUTH_ACTION_COUNT'] = '3';
  process.env['MOTO_IAM_LOAD_MANAGED_POLICIES'] = 'true';
  let server: MotoServer | undefined;
  try {
    server = await startMoto();
  } finally {
    restoreEnv('INITIAL_NO_AUTH_ACTION_COUNT', saved.count);
    restoreEnv('MOTO_IAM_LOAD_MANAGED_POLICIES', saved.managed);
  }
  if (!server) return undefined;
  const boot = new IAMClient({
    endpoint: server.endpoint,
    region: server.region,
    credentials: server.adminCredentials,
    maxAttempts: 1,
  });
  await boot.send(new CreateUserCommand({ UserName: 'conformance-admin' }));
  await boot.send(
    new AttachUserPolicyCommand({
      UserName: 'conformance-admin',
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
  );
  const key = await boot.send(new CreateAccessKeyCommand({ UserName: 'conformance-admin' }));
  return {
    server,
    admin: {
      accessKeyId: key.AccessKey?.AccessKeyId ?? '',
      secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
    },
  };
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

const sandbox = await startAwsSandbox();
const moto = await startAuthenticatedMoto();
if (!moto) {
  console.warn(
    '[conformance] moto is NOT available: the IAM/STS conformance suite runs against the sandbox only',
  );
}

const targets: Target[] = [
  {
    name: 'sandbox',
    endpoint: sandbox.endpoint,
    region: sandbox.region,
    accountId: sandbox.accountId,
    admin: sandbox.adminCredentials,
  },
];
if (moto) {
  targets.push({
    name: 'moto',
    endpoint: moto.server.endpoint,
    region: moto.server.region,
    accountId: '123456789012',
    admin: moto.admin,
  });
}

afterAll(async () => {
  await sandbox.stop();
  await moto?.server.stop();
});

for (const target of targets) {
  const config = (credentials: Credentials) => ({
    endpoint: target.endpoint,
    region: target.region,
    credentials,
    maxAttempts: 1,
  });
  const iam = (credentials = target.admin) => new IAMClient(config(credentials));
  const sts = (credentials = target.admin) => new STSClient(config(credentials));
  /** True where this target is moto and the behaviour is one of its documented differences. */
  const motoDiffers = (difference: keyof typeof MOTO_DIFFERS) =>
    target.name === 'moto' && MOTO_DIFFERS[difference] !== '';

  /** A user allowed everything (moto evaluates Allow statements; the sandbox allows by default) and one key. */
  async function userWithKey(userName: string): Promise<Credentials> {
    await iam().send(new CreateUserCommand({ UserName: userName }));
    await iam().send(
      new PutUserPolicyCommand({
        UserName: userName,
        PolicyName: 'allow-all',
        PolicyDocument: policy('Allow'),
      }),
    );
    const created = await iam().send(new CreateAccessKeyCommand({ UserName: userName }));
    return {
      accessKeyId: created.AccessKey?.AccessKeyId ?? '',
      secretAccessKey: created.AccessKey?.SecretAccessKey ?? '',
    };
  }

  describe(`IAM and STS conformance: ${target.name}`, () => {
    it('CreateAccessKey issues an Active AKIA key with a 40-character secret; two per user (LimitExceeded, 409); UpdateAccessKey flips the status', async () => {
      await iam().send(new CreateUserCommand({ UserName: 'keys-user' }));
      const first = await iam().send(new CreateAccessKeyCommand({ UserName: 'keys-user' }));
      expect(first.AccessKey).toMatchObject({ UserName: 'keys-user', Status: 'Active' });
      expect(first.AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
      expect(first.AccessKey?.SecretAccessKey).toHaveLength(40);
      await iam().send(new CreateAccessKeyCommand({ UserName: 'keys-user' }));
      await expect(iam().send(new CreateAccessKeyCommand({ UserName: 'keys-user' }))).rejects.toMatchObject({
        name: 'LimitExceededException',
        $metadata: { httpStatusCode: 409 },
      });

      const id = first.AccessKey?.AccessKeyId;
      await iam().send(
        new UpdateAccessKeyCommand({ UserName: 'keys-user', AccessKeyId: id, Status: 'Inactive' }),
      );
      const listed = await iam().send(new ListAccessKeysCommand({ UserName: 'keys-user' }));
      expect(listed.AccessKeyMetadata).toHaveLength(2);
      expect(listed.AccessKeyMetadata?.find((k) => k.AccessKeyId === id)?.Status).toBe('Inactive');
      await iam().send(
        new UpdateAccessKeyCommand({ UserName: 'keys-user', AccessKeyId: id, Status: 'Active' }),
      );
      const again = await iam().send(new ListAccessKeysCommand({ UserName: 'keys-user' }));
      expect(again.AccessKeyMetadata?.every((k) => k.Status === 'Active')).toBe(true);
    });

    it('a key it never issued is refused with InvalidClientTokenId (403) by IAM and STS', async () => {
      const stranger = {
        accessKeyId: newAccessKeyId('AKIA', target.accountId),
        secretAccessKey: 'not-a-real-secret',
      };
      for (const call of [
        iam(stranger).send(new ListUsersCommand({})),
        sts(stranger).send(new GetCallerIdentityCommand({})),
      ]) {
        await expect(call).rejects.toMatchObject({
          name: 'InvalidClientTokenId',
          $metadata: { httpStatusCode: 403 },
        });
      }
    });

    it('an Inactive key can no longer be used', async () => {
      const key = await userWithKey('inactive-user');
      await iam().send(
        new UpdateAccessKeyCommand({
          UserName: 'inactive-user',
          AccessKeyId: key.accessKeyId,
          Status: 'Inactive',
        }),
      );
      const call = iam(key).send(new ListUsersCommand({}));
      if (motoDiffers('inactiveKeyStillWorks')) {
        await expect(call).resolves.toBeDefined();
      } else {
        await expect(call).rejects.toMatchObject({
          name: 'InvalidClientTokenId',
          $metadata: { httpStatusCode: 403 },
        });
      }
    });

    it('user inline policies: Put, List, Get (URL-encoded, RFC 3986), Delete; malformed JSON is MalformedPolicyDocument (400)', async () => {
      await iam().send(new CreateUserCommand({ UserName: 'policy-user' }));
      const doc = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:ListBucket'],
            Resource: ['arn:aws:s3:::reports', 'arn:aws:s3:::reports/*'],
          },
        ],
      });
      await iam().send(
        new PutUserPolicyCommand({
          UserName: 'policy-user',
          PolicyName: 'read-reports',
          PolicyDocument: doc,
        }),
      );
      const listed = await iam().send(new ListUserPoliciesCommand({ UserName: 'policy-user' }));
      expect(listed).toMatchObject({ PolicyNames: ['read-reports'], IsTruncated: false });
      const got = await iam().send(
        new GetUserPolicyCommand({ UserName: 'policy-user', PolicyName: 'read-reports' }),
      );
      expect(got).toMatchObject({ UserName: 'policy-user', PolicyName: 'read-reports' });
      expect(got.PolicyDocument).not.toBe(doc);
      expect(JSON.parse(decodeURIComponent(got.PolicyDocument ?? ''))).toEqual(JSON.parse(doc));

      await iam().send(new DeleteUserPolicyCommand({ UserName: 'policy-user', PolicyName: 'read-reports' }));
      await expect(
        iam().send(new GetUserPolicyCommand({ UserName: 'policy-user', PolicyName: 'read-reports' })),
      ).rejects.toMatchObject({
        name: 'NoSuchEntityException',
        $metadata: { httpStatusCode: 404 },
      });
      await expect(
        iam().send(
          new PutUserPolicyCommand({
            UserName: 'policy-user',
            PolicyName: 'broken',
            PolicyDocument: '{"Statement": [',
          }),
        ),
      ).rejects.toMatchObject({
        name: 'MalformedPolicyDocumentException',
        $metadata: { httpStatusCode: 400 },
      });
    });

    it('attaching AWSDenyAll refuses the user (AccessDenied, 403), except GetCallerIdentity; detaching lifts it', async () => {
      const key = await userWithKey('denied-user');
      await expect(iam(key).send(new ListUsersCommand({}))).resolves.toBeDefined();

      await iam().send(new AttachUserPolicyCommand({ UserName: 'denied-user', PolicyArn: DENY_ALL_ARN }));
      const attached = await iam().send(new ListAttachedUserPoliciesCommand({ UserName: 'denied-user' }));
      expect(attached.AttachedPolicies).toEqual([{ PolicyName: 'AWSDenyAll', PolicyArn: DENY_ALL_ARN }]);
      await expect(iam(key).send(new ListUsersCommand({}))).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
      await expect(
        sts(key).send(new GetAccessKeyInfoCommand({ AccessKeyId: key.accessKeyId })),
      ).rejects.toMatchObject({
        name: 'AccessDenied',
      });
      // STS API Reference: GetCallerIdentity needs no permission and works even under an explicit deny.
      await expect(sts(key).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
        Arn: `arn:aws:iam::${target.accountId}:user/denied-user`,
      });

      await iam().send(new DetachUserPolicyCommand({ UserName: 'denied-user', PolicyArn: DENY_ALL_ARN }));
      await expect(iam(key).send(new ListUsersCommand({}))).resolves.toBeDefined();
    });

    it('an inline "Deny * on *" refuses the user (AccessDenied, 403)', async () => {
      const key = await userWithKey('quarantined-user');
      await iam().send(
        new PutUserPolicyCommand({
          UserName: 'quarantined-user',
          PolicyName: 'quarantine',
          PolicyDocument: policy('Deny'),
        }),
      );
      await expect(iam(key).send(new ListUsersCommand({}))).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
    });

    it('GetAccessKeyLastUsed: N/A before first use; then the user, the service and region of the last call, and its date', async () => {
      const key = await userWithKey('audited-user');
      const before = await iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
      expect(before).toMatchObject({
        UserName: 'audited-user',
        AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' },
      });
      expect(before.AccessKeyLastUsed?.LastUsedDate).toBeUndefined();

      const start = Date.now();
      await sts(key).send(new GetCallerIdentityCommand({}));
      const after = await iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
      expect(after).toMatchObject({
        UserName: 'audited-user',
        AccessKeyLastUsed: { ServiceName: 'sts', Region: target.region },
      });
      expect(after.AccessKeyLastUsed?.LastUsedDate?.getTime()).toBeGreaterThanOrEqual(start - 2000);
    });

    it('GetCallerIdentity names the user of a key; GetAccessKeyInfo gives the account of a key the account issued', async () => {
      const key = await userWithKey('identity-user');
      const identity = await sts(key).send(new GetCallerIdentityCommand({}));
      expect(identity).toMatchObject({
        Account: target.accountId,
        Arn: `arn:aws:iam::${target.accountId}:user/identity-user`,
      });
      expect(identity.UserId).toBeTruthy();
      const info = await sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: key.accessKeyId }));
      expect(info.Account).toBe(target.accountId);
    });

    it("GetAccessKeyInfo of another account's current-generation key answers that account", async () => {
      const foreign = newAccessKeyId('AKIA', '210987654321');
      const info = await sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: foreign }));
      expect(info.Account).toBe(motoDiffers('accessKeyInfoFallsBack') ? target.accountId : '210987654321');
    });

    it('DeleteUser while the user has access keys is DeleteConflict (409)', async () => {
      // No policies: DeleteUser would be refused for those too, and only the keys are in question.
      await iam().send(new CreateUserCommand({ UserName: 'conflicted-user' }));
      await iam().send(new CreateAccessKeyCommand({ UserName: 'conflicted-user' }));
      const call = iam().send(new DeleteUserCommand({ UserName: 'conflicted-user' }));
      if (motoDiffers('deleteUserWithKeys')) {
        await expect(call).resolves.toBeDefined();
      } else {
        await expect(call).rejects.toMatchObject({
          name: 'DeleteConflictException',
          $metadata: { httpStatusCode: 409 },
        });
      }
    });

    it('user names are unique regardless of case (EntityAlreadyExists, 409)', async () => {
      await iam().send(new CreateUserCommand({ UserName: 'CaseUser' }));
      const call = iam().send(new CreateUserCommand({ UserName: 'caseuser' }));
      if (motoDiffers('userNamesCaseSensitive')) {
        await expect(call).resolves.toMatchObject({ User: { UserName: 'caseuser' } });
      } else {
        await expect(call).rejects.toMatchObject({
          name: 'EntityAlreadyExistsException',
          $metadata: { httpStatusCode: 409 },
        });
      }
    });
  });
}
