// STS in the AWS stand-in, through the real @aws-sdk/client-sts. Each test names the documented
// behaviour it checks (STS API Reference unless said otherwise).

import {
  AssumeRoleCommand,
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IamService, newAccessKeyId } from '../../../src/sandbox/aws/iam.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';

let sandbox: AwsSandbox;
let iam: IamService;
let ACCOUNT: string;

function sts(accessKeyId: string, sessionToken?: string) {
  return new STSClient({
    endpoint: sandbox.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'sandbox-secret', sessionToken },
    maxAttempts: 1,
  });
}

beforeAll(async () => {
  sandbox = await startAwsSandbox();
  iam = sandbox.iam;
  ACCOUNT = sandbox.accountId;
});

afterAll(async () => {
  await sandbox.stop();
});

describe('GetCallerIdentity', () => {
  it("returns the IAM user's account, ARN and unique id for a user's key", async () => {
    const user = iam.createUser('deploy-bot');
    const key = iam.createAccessKey('deploy-bot');
    const identity = await sts(key.accessKeyId).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({ Account: ACCOUNT, Arn: user.arn, UserId: user.userId });
  });

  it('returns the root ARN and the account as UserId for the sandbox admin key', async () => {
    const identity = await sts(iam.adminAccessKeyId).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      Account: ACCOUNT,
      Arn: `arn:aws:iam::${ACCOUNT}:root`,
      UserId: ACCOUNT,
    });
  });

  it('returns the assumed-role ARN and "RoleId:SessionName" for a role session', async () => {
    const role = iam.createRole('incident-responder');
    const session = iam.createRoleSession('incident-responder', 'alice');
    const identity = await sts(session.accessKeyId, session.sessionToken).send(
      new GetCallerIdentityCommand({}),
    );
    expect(identity).toMatchObject({
      Account: ACCOUNT,
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/incident-responder/alice`,
      UserId: `${role.roleId}:alice`,
    });
  });

  it('refuses an unknown key with InvalidClientTokenId (403)', async () => {
    await expect(
      sts(newAccessKeyId('AKIA', ACCOUNT)).send(new GetCallerIdentityCommand({})),
    ).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
      $metadata: { httpStatusCode: 403 },
    });
  });
});

describe('GetAccessKeyInfo', () => {
  it('returns the account of a key the sandbox issued, long-term (AKIA) or temporary (ASIA), whatever its status', async () => {
    iam.createUser('svc');
    const longTerm = iam.createAccessKey('svc');
    iam.updateAccessKey(longTerm.accessKeyId, 'Inactive');
    iam.createRole('worker');
    const temporary = iam.createRoleSession('worker', 'job');
    const client = sts(iam.adminAccessKeyId);
    // "This operation does not indicate the state of the access key. The key might be active, inactive, or deleted."
    await expect(
      client.send(new GetAccessKeyInfoCommand({ AccessKeyId: longTerm.accessKeyId })),
    ).resolves.toMatchObject({ Account: ACCOUNT });
    await expect(
      client.send(new GetAccessKeyInfoCommand({ AccessKeyId: temporary.accessKeyId })),
    ).resolves.toMatchObject({ Account: ACCOUNT });
  });

  it("returns another account's number for its current-generation key, which encodes it, as AWS does", async () => {
    const foreign = newAccessKeyId('AKIA', '210987654321');
    const info = await sts(iam.adminAccessKeyId).send(new GetAccessKeyInfoCommand({ AccessKeyId: foreign }));
    expect(info.Account).toBe('210987654321');
  });

  it('answers an error for an unknown key whose account cannot be told ("might return an error that the key doesn\'t exist")', async () => {
    await expect(
      sts(iam.adminAccessKeyId).send(new GetAccessKeyInfoCommand({ AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } });
  });

  it('is refused by an explicit deny, unlike GetCallerIdentity', async () => {
    iam.createUser('contained');
    const key = iam.createAccessKey('contained');
    iam.attachUserPolicy('contained', 'arn:aws:iam::aws:policy/AWSDenyAll');
    await expect(
      sts(key.accessKeyId).send(new GetAccessKeyInfoCommand({ AccessKeyId: key.accessKeyId })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(sts(key.accessKeyId).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Account: ACCOUNT,
    });
  });
});

describe('AssumeRole', () => {
  it('issues ASIA credentials for an existing role, usable at once, expiring after DurationSeconds', async () => {
    iam.createRole('cross-account-responder', { maxSessionDuration: 7200 });
    const before = Date.now();
    const assumed = await sts(iam.adminAccessKeyId).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/cross-account-responder`,
        RoleSessionName: 'ssec-bot',
        DurationSeconds: 7200,
      }),
    );
    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(assumed.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/cross-account-responder/ssec-bot`,
    );
    const expiresIn = (assumed.Credentials?.Expiration?.getTime() ?? 0) - before;
    expect(expiresIn).toBeGreaterThan(7190_000);
    expect(expiresIn).toBeLessThanOrEqual(7201_000);

    const asRole = sts(assumed.Credentials?.AccessKeyId ?? '', assumed.Credentials?.SessionToken);
    await expect(asRole.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Arn: assumed.AssumedRoleUser?.Arn,
    });
  });

  it('refuses a role that does not exist with AccessDenied (403)', async () => {
    await expect(
      sts(iam.adminAccessKeyId).send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/nope`, RoleSessionName: 'x' }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });
});
