// The stand-in's front door: SigV4 credential-scope routing, per-request ids, per-operation
// counters, injected latency and S3's `503 SlowDown`, control routes, and attribution of S3
// requests to IAM access keys (IAM API reference: an unknown or Inactive key is refused).

import { ListBackupVaultsCommand } from '@aws-sdk/client-backup';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ListJobsCommand } from '@aws-sdk/client-s3-control';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsSandbox, credentialScope, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';
import {
  sandboxBackupClient,
  sandboxIamClient,
  sandboxS3Client,
  sandboxS3ControlClient,
  sandboxStsClient,
} from '../../helpers/aws-clients.ts';

const BUCKET = 'front-door';
let sandbox: AwsSandbox;
let s3: S3Client;

const signed = (accessKeyId: string, service = 's3') =>
  `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`;

async function failure(promise: Promise<unknown>): Promise<{ status: number | undefined; name: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { status: e.$metadata?.httpStatusCode, name: e.name };
  }
  throw new Error('expected the request to fail');
}

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 9 });
  s3 = sandboxS3Client(sandbox);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x' }));
});

afterAll(async () => {
  s3?.destroy();
  await sandbox?.stop();
});

beforeEach(() => {
  sandbox.setFaults({ latencyMs: 0, slowDownRate: 0 });
});

describe('routing and identity of requests', () => {
  it('reads the access key, region and service from the SigV4 credential scope', () => {
    expect(credentialScope(signed('AKIAIOSFODNN7EXAMPLE', 'iam'), new URLSearchParams())).toEqual({
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      service: 'iam',
      region: 'us-east-1',
    });
    const presigned = new URLSearchParams({
      'X-Amz-Credential': 'AKIAIOSFODNN7EXAMPLE/20260101/eu-west-1/s3/aws4_request',
    });
    expect(credentialScope(undefined, presigned).region).toBe('eu-west-1');
  });

  it('answers an unsigned S3 request with 403 AccessDenied in S3 XML shape', async () => {
    const response = await fetch(`${sandbox.endpoint}/${BUCKET}/k`);
    expect(response.status).toBe(403);
    const body = await response.text();
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).toContain(`<RequestId>${response.headers.get('x-amz-request-id')}</RequestId>`);
  });

  it('gives every response a distinct x-amz-request-id, errors included', async () => {
    const ids = new Set<string>();
    for (const path of [`/${BUCKET}/k`, `/${BUCKET}/missing`, '/no-such-bucket/k']) {
      const response = await fetch(`${sandbox.endpoint}${path}`, {
        headers: { authorization: signed('SSECSANDBOXADMIN') },
      });
      await response.arrayBuffer();
      const id = response.headers.get('x-amz-request-id');
      expect(id).toMatch(/^[0-9A-F]{16}$/);
      ids.add(id as string);
    }
    expect(ids.size).toBe(3);
  });

  it('HEAD errors carry no body', async () => {
    const response = await fetch(`${sandbox.endpoint}/${BUCKET}/missing`, {
      method: 'HEAD',
      headers: { authorization: signed('SSECSANDBOXADMIN') },
    });
    expect(response.status).toBe(404);
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });

  it('routes S3 Control paths (/v20180820/, signed as s3) to S3 Control', async () => {
    const control = sandboxS3ControlClient(sandbox);
    try {
      const jobs = await control.send(new ListJobsCommand({ AccountId: sandbox.accountId }));
      expect(jobs.$metadata.httpStatusCode).toBe(200);
      expect(jobs.Jobs ?? []).toEqual([]);
    } finally {
      control.destroy();
    }
  });

  it('routes iam, sts and backup by the credential scope service', async () => {
    const sts = sandboxStsClient(sandbox);
    const iam = sandboxIamClient(sandbox);
    const backup = sandboxBackupClient(sandbox);
    try {
      expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('123456789012');
      expect((await iam.send(new ListUsersCommand({}))).Users).toBeDefined();
      sandbox.backup.createVault('front-door-vault');
      const vaults = await backup.send(new ListBackupVaultsCommand({}));
      expect(vaults.BackupVaultList?.map((v) => v.BackupVaultName)).toContain('front-door-vault');
    } finally {
      sts.destroy();
      iam.destroy();
      backup.destroy();
    }
  });
});

describe('request bodies', () => {
  it('decodes aws-chunked bodies with a trailing checksum, as the SDK streams them', async () => {
    const chunked = '5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n';
    const put = await fetch(`${sandbox.endpoint}/${BUCKET}/chunked.txt`, {
      method: 'PUT',
      body: chunked,
      headers: {
        authorization: signed('SSECSANDBOXADMIN'),
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'x-amz-decoded-content-length': '11',
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
    });
    expect(put.status).toBe(200);
    const got = await fetch(`${sandbox.endpoint}/${BUCKET}/chunked.txt`, {
      headers: { authorization: signed('SSECSANDBOXADMIN') },
    });
    expect(await got.text()).toBe('hello world');
  });
});

describe('request counters', () => {
  it('counts each S3 operation by its API name and resets', async () => {
    sandbox.counters.reset();
    for (let i = 0; i < 3; i++) await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    await s3.send(new ListBucketsCommand({}));
    expect(sandbox.counters.get('HeadObject')).toBe(3);
    expect(sandbox.counters.get('ListBuckets')).toBe(1);
    expect(sandbox.counters.total()).toBe(4);
    sandbox.counters.reset();
    expect(sandbox.counters.get('HeadObject')).toBe(0);
  });

  it('counts query-protocol services by Action', async () => {
    const sts = sandboxStsClient(sandbox);
    try {
      sandbox.counters.reset();
      await sts.send(new GetCallerIdentityCommand({}));
      expect(sandbox.counters.get('GetCallerIdentity')).toBe(1);
    } finally {
      sts.destroy();
    }
  });

  it('are readable and resettable over HTTP for other processes', async () => {
    sandbox.counters.reset();
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    const read = await (await fetch(`${sandbox.endpoint}/_sandbox/counters`)).json();
    expect(read).toMatchObject({ counts: { HeadObject: 1 }, total: 1, throttled: 0 });
    await (await fetch(`${sandbox.endpoint}/_sandbox/counters/reset`, { method: 'POST' })).arrayBuffer();
    expect(sandbox.counters.total()).toBe(0);
  });
});

describe('fault injection', () => {
  it('answers S3 real 503 SlowDown error when asked to throttle everything', async () => {
    sandbox.setFaults({ slowDownRate: 1 });
    const single = sandboxS3Client(sandbox, { maxAttempts: 1 });
    try {
      expect(await failure(single.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'k' })))).toEqual({
        status: 503,
        name: 'Unknown',
      });
      const response = await fetch(`${sandbox.endpoint}/${BUCKET}/k`, {
        headers: { authorization: signed('SSECSANDBOXADMIN') },
      });
      expect(response.status).toBe(503);
      expect(await response.text()).toContain(
        '<Code>SlowDown</Code><Message>Please reduce your request rate.</Message>',
      );
    } finally {
      single.destroy();
    }
  });

  it('a partial SlowDown rate is absorbed by SDK retries, and the throttles are counted', async () => {
    sandbox.counters.reset();
    sandbox.setFaults({ slowDownRate: 0.5 });
    const patient = sandboxS3Client(sandbox, { maxAttempts: 20 });
    try {
      for (let i = 0; i < 10; i++) await patient.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    } finally {
      patient.destroy();
    }
    expect(sandbox.counters.throttled('HeadObject')).toBeGreaterThan(0);
    expect(sandbox.counters.get('HeadObject')).toBe(10 + sandbox.counters.throttled('HeadObject'));
  });

  it('adds the configured latency before answering', async () => {
    sandbox.setFaults({ latencyMs: 80 });
    const started = performance.now();
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });

  it('can be set over HTTP', async () => {
    const response = await fetch(`${sandbox.endpoint}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ slowDownRate: 0.25, latencyMs: 5 }),
    });
    expect(await response.json()).toEqual({ slowDownRate: 0.25, latencyMs: 5 });
    expect(sandbox.faults()).toEqual({ slowDownRate: 0.25, latencyMs: 5 });
  });
});

describe('seeding over HTTP', () => {
  it('creates the bucket and versions with the LastModified given', async () => {
    const response = await fetch(`${sandbox.endpoint}/_sandbox/s3/seed`, {
      method: 'POST',
      body: JSON.stringify({
        bucket: 'seeded-over-http',
        versioning: 'Enabled',
        versions: [{ key: 'a.txt', body: 'hello', lastModified: '2026-01-05T10:00:00Z' }],
      }),
    });
    const { versionIds } = (await response.json()) as { versionIds: string[] };
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'seeded-over-http', Key: 'a.txt' }));
    expect([head.VersionId, head.ContentLength, head.LastModified?.toISOString()]).toEqual([
      versionIds[0],
      5,
      '2026-01-05T10:00:00.000Z',
    ]);
  });
});

describe('attribution to IAM access keys', () => {
  it('accepts an active user key and records its last use for s3', async () => {
    sandbox.iam.createUser('app-writer');
    const key = sandbox.iam.createAccessKey('app-writer');
    const client = sandboxS3Client(sandbox, { credentials: key });
    try {
      await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    } finally {
      client.destroy();
    }
    expect(sandbox.iam.describeAccessKey(key.accessKeyId)?.lastUsed?.service).toBe('s3');
  });

  it('refuses an Inactive key with 403 InvalidAccessKeyId', async () => {
    sandbox.iam.createUser('compromised');
    const key = sandbox.iam.createAccessKey('compromised');
    sandbox.iam.updateAccessKey(key.accessKeyId, 'Inactive');
    const client = sandboxS3Client(sandbox, { credentials: key });
    try {
      expect(
        await failure(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'x' }))),
      ).toEqual({
        status: 403,
        name: 'InvalidAccessKeyId',
      });
    } finally {
      client.destroy();
    }
  });

  it('refuses a user with AWSDenyAll attached with 403 AccessDenied', async () => {
    sandbox.iam.createUser('contained');
    const key = sandbox.iam.createAccessKey('contained');
    sandbox.iam.attachUserPolicy('contained', 'arn:aws:iam::aws:policy/AWSDenyAll');
    const client = sandboxS3Client(sandbox, { credentials: key });
    try {
      expect(
        await failure(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'x' }))),
      ).toEqual({
        status: 403,
        name: 'AccessDenied',
      });
    } finally {
      client.destroy();
    }
  });

  it('refuses a key the sandbox never issued', async () => {
    const client = sandboxS3Client(sandbox, {
      credentials: {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
    });
    try {
      expect((await failure(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'k' })))).status).toBe(
        403,
      );
    } finally {
      client.destroy();
    }
  });
});
