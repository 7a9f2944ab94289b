// S3 Batch Operations (S3 Control) in the stand-in, through the real @aws-sdk/client-s3-control and
// client-s3. Moto has no Batch Operations jobs, so each test names the Amazon S3 User Guide / S3
// Control API Reference behaviour it pins.

import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateJobCommand,
  type CreateJobCommandInput,
  DescribeJobCommand,
  type JobStatus,
  ListJobsCommand,
  S3ControlClient,
  UpdateJobStatusCommand,
} from '@aws-sdk/client-s3-control';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3ControlService, withoutAccountHostPrefix } from '../../../src/sandbox/aws/s3-control.ts';
import { type AwsSandbox, startAwsSandbox } from '../../../src/sandbox/aws/server.ts';

const ATTACKER_KEY_MD5 = createHash('md5').update(Buffer.alloc(32, 9)).digest('base64');

let sandbox: AwsSandbox;
let control: S3ControlClient;
let s3: S3Client;
let tokenCount = 0;

function clientConfig() {
  return {
    endpoint: sandbox.endpoint,
    region: sandbox.region,
    credentials: sandbox.adminCredentials,
    maxAttempts: 1,
  };
}

beforeAll(async () => {
  sandbox = await startAwsSandbox();
  control = new S3ControlClient(clientConfig());
  withoutAccountHostPrefix(control);
  s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
  sandbox.s3.createBucket('manifests', { versioning: 'Enabled' });
  sandbox.s3.createBucket('batch-reports');
});

afterAll(async () => {
  (sandbox.s3control as S3ControlService | undefined)?.close();
  await sandbox.stop();
});

async function putManifest(key: string, rows: string[][]): Promise<{ arn: string; etag: string }> {
  const put = await s3.send(
    new PutObjectCommand({
      Bucket: 'manifests',
      Key: key,
      Body: `${rows.map((r) => r.join(',')).join('\n')}\n`,
    }),
  );
  return { arn: `arn:aws:s3:::manifests/${key}`, etag: (put.ETag ?? '').replace(/"/g, '') };
}

function jobInput(
  manifest: { arn: string; etag: string },
  overrides: Partial<CreateJobCommandInput> = {},
): CreateJobCommandInput {
  return {
    AccountId: sandbox.accountId,
    ConfirmationRequired: true,
    Operation: { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::data' } },
    Manifest: {
      Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key', 'VersionId'] },
      Location: { ObjectArn: manifest.arn, ETag: manifest.etag },
    },
    Report: {
      Enabled: true,
      Bucket: 'arn:aws:s3:::batch-reports',
      Format: 'Report_CSV_20180820',
      Prefix: 'restore',
      ReportScope: 'AllTasks',
    },
    Priority: 10,
    RoleArn: `arn:aws:iam::${sandbox.accountId}:role/batch-restore`,
    ClientRequestToken: `token-${++tokenCount}`,
    ...overrides,
  };
}

async function untilStatus(jobId: string, wanted: JobStatus[]) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { Job } = await control.send(
      new DescribeJobCommand({ AccountId: sandbox.accountId, JobId: jobId }),
    );
    if (Job?.Status && wanted.includes(Job.Status)) return Job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} is ${Job?.Status}, not ${wanted.join('/')}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function text(bucket: string, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await got.Body?.transformToString()) ?? '';
}

/** Clean v1, then the attacker's SSE-C v2 on top: returns the clean version ids. */
function seedAttackedKeys(keys: string[]): Record<string, string> {
  if (!sandbox.s3.bucketExists('data')) sandbox.s3.createBucket('data', { versioning: 'Enabled' });
  const clean: Record<string, string> = {};
  for (const key of keys) {
    clean[key] = sandbox.s3.putObject('data', key, {
      body: Buffer.from(`clean ${key}`),
      contentType: 'text/plain',
    });
    sandbox.s3.putObject('data', key, {
      body: Buffer.from('ciphertext'),
      sseCustomerAlgorithm: 'AES256',
      sseCustomerKeyMd5: ATTACKER_KEY_MD5,
    });
  }
  return clean;
}

describe('the S3 Control client and a loopback endpoint', () => {
  it('unpatched, the client puts "{AccountId}." before the endpoint host and cannot even build the URL', async () => {
    // The SDK logs the bad URL with console.error before throwing; keep the test output clean.
    const consoleError = console.error;
    console.error = () => {};
    try {
      const plain = new S3ControlClient(clientConfig());
      await expect(
        plain.send(new DescribeJobCommand({ AccountId: sandbox.accountId, JobId: 'x' })),
      ).rejects.toThrow(/Invalid URL/);
      // disableHostPrefix does not help: the prefix comes from the endpoint rules, not a host-prefix trait.
      const noPrefix = new S3ControlClient({ ...clientConfig(), disableHostPrefix: true });
      await expect(
        noPrefix.send(new DescribeJobCommand({ AccountId: sandbox.accountId, JobId: 'x' })),
      ).rejects.toThrow(/Invalid URL/);
    } finally {
      console.error = consoleError;
    }
  });

  it('withoutAccountHostPrefix reaches the configured endpoint and leaves AWS endpoints alone', async () => {
    await expect(
      control.send(new DescribeJobCommand({ AccountId: sandbox.accountId, JobId: 'missing' })),
    ).rejects.toMatchObject({
      name: 'NotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    // The bot's factory configures endpoints through AWS_ENDPOINT_URL_<SERVICE>; the fix holds there too.
    const saved = process.env['AWS_ENDPOINT_URL_S3_CONTROL'];
    process.env['AWS_ENDPOINT_URL_S3_CONTROL'] = sandbox.endpoint;
    try {
      const fromEnv = new S3ControlClient({
        region: sandbox.region,
        credentials: sandbox.adminCredentials,
        maxAttempts: 1,
      });
      withoutAccountHostPrefix(fromEnv);
      await expect(
        fromEnv.send(new DescribeJobCommand({ AccountId: sandbox.accountId, JobId: 'missing' })),
      ).rejects.toMatchObject({
        name: 'NotFoundException',
      });
    } finally {
      if (saved === undefined) delete process.env['AWS_ENDPOINT_URL_S3_CONTROL'];
      else process.env['AWS_ENDPOINT_URL_S3_CONTROL'] = saved;
    }
    const aws = new S3ControlClient({ region: 'eu-west-1', credentials: sandbox.adminCredentials });
    withoutAccountHostPrefix(aws);
    const resolved = aws.config.endpointProvider({
      Region: 'eu-west-1',
      AccountId: '123456789012',
      RequiresAccountId: true,
      UseFIPS: false,
      UseDualStack: false,
    });
    expect(resolved.url.hostname).toBe('123456789012.s3-control.eu-west-1.amazonaws.com');
  });
});

describe('S3PutObjectCopy jobs', () => {
  it('restores old versions onto their keys: Suspended until confirmed, then Complete with progress and a completion report', async () => {
    const keys = ['reports/q1 2025.csv', 'a+b.txt', 'plain.txt'];
    const clean = seedAttackedKeys(keys);
    const manifest = await putManifest(
      'restore-1.csv',
      keys.map((k) => ['data', encodeURIComponent(k), clean[k] ?? '']),
    );
    const created = await control.send(
      new CreateJobCommand(jobInput(manifest, { Description: 'restore after SSE-C attack' })),
    );
    expect(created.JobId).toMatch(/^[0-9a-f-]{36}$/);

    // "ConfirmationRequired": the job waits, Suspended, until UpdateJobStatus Ready.
    const suspended = await untilStatus(created.JobId ?? '', ['Suspended']);
    expect(suspended).toMatchObject({
      ConfirmationRequired: true,
      SuspendedCause: 'AwaitingConfirmation',
      Description: 'restore after SSE-C attack',
      JobArn: `arn:aws:s3:${sandbox.region}:${sandbox.accountId}:job/${created.JobId}`,
      ProgressSummary: { TotalNumberOfTasks: 3, NumberOfTasksSucceeded: 0, NumberOfTasksFailed: 0 },
    });
    expect(sandbox.s3.getCurrentObject('data', 'plain.txt')?.sseCustomerAlgorithm).toBe('AES256');

    const updated = await control.send(
      new UpdateJobStatusCommand({
        AccountId: sandbox.accountId,
        JobId: created.JobId,
        RequestedJobStatus: 'Ready',
        StatusUpdateReason: 'approved by responder',
      }),
    );
    expect(updated).toMatchObject({ JobId: created.JobId, StatusUpdateReason: 'approved by responder' });

    const done = await untilStatus(created.JobId ?? '', ['Complete', 'Failed']);
    expect(done.Status).toBe('Complete');
    expect(done.ProgressSummary).toMatchObject({
      TotalNumberOfTasks: 3,
      NumberOfTasksSucceeded: 3,
      NumberOfTasksFailed: 0,
    });
    expect(done.TerminationDate).toBeInstanceOf(Date);

    // The old bytes are the current version again; the attacker's version stays as evidence.
    for (const key of keys) expect(await text('data', key)).toBe(`clean ${key}`);
    expect(sandbox.counters.get('CreateJob')).toBeGreaterThan(0);
    expect(sandbox.counters.get('UpdateJobStatus')).toBeGreaterThan(0);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'data', Prefix: 'plain.txt' }));
    expect(versions.Versions).toHaveLength(3);

    // Report: <prefix>/job-<id>/manifest.json points at the results CSV (Report_CSV_20180820).
    const reportManifest = JSON.parse(
      await text('batch-reports', `restore/job-${created.JobId}/manifest.json`),
    ) as {
      Format: string;
      ReportSchema: string;
      Results: Array<{ TaskExecutionStatus: string; Bucket: string; Key: string; MD5Checksum: string }>;
    };
    expect(reportManifest.Format).toBe('Report_CSV_20180820');
    expect(reportManifest.ReportSchema).toBe(
      'Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage',
    );
    expect(reportManifest.Results).toHaveLength(1);
    const result = reportManifest.Results[0];
    expect(result).toMatchObject({ TaskExecutionStatus: 'succeeded', Bucket: 'batch-reports' });
    expect(result?.Key).toMatch(new RegExp(`^restore/job-${created.JobId}/results/[0-9a-f]{40}\\.csv$`));
    const csv = await text('batch-reports', result?.Key ?? '');
    expect(createHash('md5').update(csv).digest('hex')).toBe(result?.MD5Checksum);
    expect(csv.trim().split('\n').sort()).toEqual(
      keys.map((k) => `data,${encodeURIComponent(k)},${clean[k]},succeeded,200,,Successful`).sort(),
    );
  });

  it('fails single tasks as S3 would (SSE-C source 400 InvalidRequest, missing version 404) and reports them separately', async () => {
    const clean = seedAttackedKeys(['mixed.txt']);
    const attackerVersion = sandbox.s3.getCurrentObject('data', 'mixed.txt')?.versionId ?? '';
    const manifest = await putManifest('restore-2.csv', [
      ['data', 'mixed.txt', clean['mixed.txt'] ?? ''],
      ['data', 'mixed.txt', attackerVersion],
      ['data', 'gone.txt', 'no-such-version-id'],
    ]);
    const created = await control.send(
      new CreateJobCommand(jobInput(manifest, { ConfirmationRequired: false })),
    );
    const done = await untilStatus(created.JobId ?? '', ['Complete', 'Failed']);
    expect(done.Status).toBe('Complete');
    expect(done.ProgressSummary).toMatchObject({
      TotalNumberOfTasks: 3,
      NumberOfTasksSucceeded: 1,
      NumberOfTasksFailed: 2,
    });

    const reportManifest = JSON.parse(
      await text('batch-reports', `restore/job-${created.JobId}/manifest.json`),
    ) as {
      Results: Array<{ TaskExecutionStatus: string; Key: string }>;
    };
    expect(reportManifest.Results.map((r) => r.TaskExecutionStatus)).toEqual(['succeeded', 'failed']);
    const failedCsv = await text('batch-reports', reportManifest.Results[1]?.Key ?? '');
    const rows = failedCsv.trim().split('\n');
    expect(rows).toHaveLength(2);
    expect(rows).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^data,mixed.txt,${attackerVersion},failed,400,InvalidRequest,The object was stored using a form of Server Side Encryption`,
        ),
      ),
    );
    expect(rows).toContainEqual(
      'data,gone.txt,no-such-version-id,failed,404,NoSuchVersion,The specified version does not exist.',
    );
  });

  it('ReportScope FailedTasksOnly writes only the failed tasks', async () => {
    const clean = seedAttackedKeys(['scoped.txt']);
    const manifest = await putManifest('restore-3.csv', [
      ['data', 'scoped.txt', clean['scoped.txt'] ?? ''],
      ['data', 'scoped.txt', 'missing-version'],
    ]);
    const created = await control.send(
      new CreateJobCommand(
        jobInput(manifest, {
          ConfirmationRequired: false,
          Report: {
            Enabled: true,
            Bucket: 'arn:aws:s3:::batch-reports',
            Format: 'Report_CSV_20180820',
            Prefix: 'scoped',
            ReportScope: 'FailedTasksOnly',
          },
        }),
      ),
    );
    await untilStatus(created.JobId ?? '', ['Complete']);
    const reportManifest = JSON.parse(
      await text('batch-reports', `scoped/job-${created.JobId}/manifest.json`),
    ) as {
      Results: Array<{ TaskExecutionStatus: string }>;
    };
    expect(reportManifest.Results.map((r) => r.TaskExecutionStatus)).toEqual(['failed']);
  });

  it('fails the job when the manifest ETag does not match (the job reads the manifest it was given)', async () => {
    const manifest = await putManifest('restore-4.csv', [['data', 'plain.txt', 'v']]);
    const created = await control.send(
      new CreateJobCommand(jobInput({ ...manifest, etag: '0123456789abcdef0123456789abcdef' })),
    );
    const failed = await untilStatus(created.JobId ?? '', ['Failed', 'Suspended']);
    expect(failed.Status).toBe('Failed');
    expect(failed.FailureReasons?.[0]?.FailureCode).toBeDefined();
    expect(failed.FailureReasons?.[0]?.FailureReason).toContain('ETag');
  });

  it('fails the job when more than 50% of tasks fail after at least 1,000 tasks', async () => {
    const rows = Array.from({ length: 1200 }, (_, i) => ['data', `absent-${i}`, `v${i}`]);
    const manifest = await putManifest('restore-5.csv', rows);
    const created = await control.send(
      new CreateJobCommand(jobInput(manifest, { ConfirmationRequired: false, Report: { Enabled: false } })),
    );
    const failed = await untilStatus(created.JobId ?? '', ['Failed', 'Complete']);
    expect(failed.Status).toBe('Failed');
    expect(failed.ProgressSummary?.NumberOfTasksFailed).toBeGreaterThanOrEqual(1000);
  });

  it('a retried CreateJob with the same ClientRequestToken returns the same job', async () => {
    const manifest = await putManifest('restore-6.csv', [['data', 'plain.txt', 'v']]);
    const input = jobInput(manifest);
    const first = await control.send(new CreateJobCommand(input));
    const second = await control.send(new CreateJobCommand(input));
    expect(second.JobId).toBe(first.JobId);
  });
});

describe('UpdateJobStatus and errors', () => {
  it('Ready is refused unless the job awaits confirmation (JobStatusException); Cancelled cancels a suspended job', async () => {
    const manifest = await putManifest('restore-7.csv', [['data', 'plain.txt', 'v']]);
    const created = await control.send(new CreateJobCommand(jobInput(manifest)));
    await untilStatus(created.JobId ?? '', ['Suspended']);
    await control.send(
      new UpdateJobStatusCommand({
        AccountId: sandbox.accountId,
        JobId: created.JobId,
        RequestedJobStatus: 'Cancelled',
      }),
    );
    const cancelled = await untilStatus(created.JobId ?? '', ['Cancelled']);
    expect(cancelled.ProgressSummary?.NumberOfTasksSucceeded).toBe(0);
    const listed = await control.send(
      new ListJobsCommand({ AccountId: sandbox.accountId, JobStatuses: ['Cancelled'] }),
    );
    expect(listed.Jobs?.map((j) => j.JobId)).toContain(created.JobId);
    expect(listed.Jobs?.every((j) => j.Status === 'Cancelled')).toBe(true);
    await expect(
      control.send(
        new UpdateJobStatusCommand({
          AccountId: sandbox.accountId,
          JobId: created.JobId,
          RequestedJobStatus: 'Ready',
        }),
      ),
    ).rejects.toMatchObject({ name: 'JobStatusException' });
  });

  it('rejects operations other than S3PutObjectCopy and manifests in other formats (BadRequestException, 400)', async () => {
    const manifest = await putManifest('restore-8.csv', [['data', 'plain.txt', 'v']]);
    await expect(
      control.send(
        new CreateJobCommand(jobInput(manifest, { Operation: { S3PutObjectTagging: { TagSet: [] } } })),
      ),
    ).rejects.toMatchObject({ name: 'BadRequestException', $metadata: { httpStatusCode: 400 } });
    await expect(
      control.send(
        new CreateJobCommand(
          jobInput(manifest, {
            Manifest: {
              Spec: { Format: 'S3InventoryReport_CSV_20161130' },
              Location: { ObjectArn: manifest.arn, ETag: manifest.etag },
            },
          }),
        ),
      ),
    ).rejects.toMatchObject({ name: 'BadRequestException' });
  });

  it('refuses another account in x-amz-account-id (403) and unknown jobs (NotFoundException, 404)', async () => {
    await expect(
      control.send(new DescribeJobCommand({ AccountId: '999999999999', JobId: 'x' })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    await expect(
      control.send(new DescribeJobCommand({ AccountId: sandbox.accountId, JobId: 'nope' })),
    ).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });
});
