// S3 Batch Operations (S3 Control `/v20180820/jobs`) in the stand-in: `S3PutObjectCopy` jobs over
// a CSV manifest read from the sandbox's S3, with confirmation, progress and a completion report
// written back to S3 — the path a responder takes for restores too large to run in-process.

import { createHash, randomUUID } from 'node:crypto';
import type { IamBackend, S3Backend, SandboxRequest, SandboxResponse, ServiceHandler } from './types.ts';
import {
  childElement,
  childElements,
  childText,
  parseXml,
  XML_DECLARATION,
  type XmlElement,
  xmlLeaf,
} from './xml.ts';

// Lives with the bot's AWS clients, which need it too; re-exported for the sandbox's users.
export { withoutAccountHostPrefix } from '../../aws/s3-control-endpoint.ts';

/** S3 Control requests are signed for service `s3`; only their path tells them from S3's. */
export function isS3ControlRequest(req: Pick<SandboxRequest, 'rawPath'>): boolean {
  return req.rawPath.startsWith('/v20180820/');
}

export interface S3ControlServiceOptions {
  s3: S3Backend;
  accountId: string;
  region: string;
  /** When given, requests are attributed and refused as IAM says. */
  iam?: IamBackend;
  now?: () => Date;
  /** Pause between lifecycle steps (New → Preparing → Suspended/Ready → Active → Complete). */
  stepDelayMs?: number;
  /** Tasks run per tick while the job is Active, one tick every `stepDelayMs`. */
  tasksPerTick?: number;
}

export type JobStatus =
  | 'New'
  | 'Preparing'
  | 'Suspended'
  | 'Ready'
  | 'Active'
  | 'Completing'
  | 'Complete'
  | 'Cancelling'
  | 'Cancelled'
  | 'Failing'
  | 'Failed';

export interface S3ControlService {
  handler: ServiceHandler;
  /** Resolves once every job has reached Complete, Failed or Cancelled — or waits for confirmation. */
  idle(): Promise<void>;
  /** Stops jobs in flight (their timers), for test teardown. */
  close(): void;
}

const NAMESPACE = 'http://awss3control.amazonaws.com/doc/2018-08-20/';
const MAX_COPY_SOURCE_BYTES = 5 * 1024 ** 3;
const FAILURE_THRESHOLD_MIN_TASKS = 1000;
const REPORT_SCHEMA = 'Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage';

class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const badRequest = (message: string) => new ControlError(400, 'BadRequestException', message);

interface Task {
  bucket: string;
  key: string;
  versionId: string | undefined;
}

interface TaskResult {
  task: Task;
  succeeded: boolean;
  httpStatus: number;
  errorCode: string;
  message: string;
}

interface CopyOperation {
  targetBucket: string;
  targetResource: string;
  metadataDirective: string | undefined;
  newMetadata: Record<string, string> | undefined;
  newContentType: string | undefined;
  storageClass: string | undefined;
}

interface JobReport {
  enabled: boolean;
  bucketArn: string | undefined;
  format: string | undefined;
  prefix: string | undefined;
  scope: string | undefined;
}

interface Job {
  id: string;
  clientRequestToken: string;
  description: string | undefined;
  confirmationRequired: boolean;
  priority: number;
  roleArn: string;
  operation: CopyOperation;
  manifest: {
    format: string;
    fields: string[];
    objectArn: string;
    etag: string;
    versionId: string | undefined;
  };
  report: JobReport;
  status: JobStatus;
  statusUpdateReason: string | undefined;
  failureReasons: Array<{ code: string; reason: string }>;
  creationTime: Date;
  terminationDate: Date | undefined;
  suspendedDate: Date | undefined;
  suspendedCause: string | undefined;
  activeSince: number | undefined;
  activeMs: number;
  tasks: Task[];
  results: TaskResult[];
  timer: NodeJS.Timeout | undefined;
}

const TERMINAL: ReadonlySet<JobStatus> = new Set(['Complete', 'Cancelled', 'Failed']);

export function createS3ControlService(opts: S3ControlServiceOptions): S3ControlService {
  const { s3, accountId, region } = opts;
  const now = opts.now ?? (() => new Date());
  const stepDelayMs = opts.stepDelayMs ?? 20;
  const tasksPerTick = opts.tasksPerTick ?? 1000;
  const jobs = new Map<string, Job>();
  let waiters: Array<() => void> = [];

  function schedule(job: Job, next: () => void): void {
    job.timer = setTimeout(() => {
      job.timer = undefined;
      next();
      notifyIfIdle();
    }, stepDelayMs);
    job.timer.unref();
  }

  const settled = (job: Job) =>
    TERMINAL.has(job.status) || (job.status === 'Suspended' && job.timer === undefined);

  function notifyIfIdle(): void {
    if (![...jobs.values()].every(settled)) return;
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  }

  function fail(job: Job, code: string, reason: string): void {
    job.failureReasons.push({ code, reason });
    finish(job, 'Failed');
  }

  function finish(job: Job, status: 'Complete' | 'Failed' | 'Cancelled'): void {
    if (job.activeSince !== undefined) job.activeMs += Date.now() - job.activeSince;
    job.activeSince = undefined;
    if (job.results.length > 0) writeReport(job);
    job.status = status;
    job.terminationDate = now();
  }

  // New → Preparing: read and check the manifest, as AWS does before asking for confirmation.
  function prepare(job: Job): void {
    job.status = 'Preparing';
    schedule(job, () => {
      if (job.status !== 'Preparing') return;
      const problem = loadManifest(job);
      if (problem) return fail(job, problem.code, problem.reason);
      if (job.confirmationRequired) {
        job.status = 'Suspended';
        job.suspendedCause = 'AwaitingConfirmation';
        job.suspendedDate = now();
      } else {
        ready(job);
      }
    });
  }

  function ready(job: Job): void {
    job.status = 'Ready';
    job.suspendedCause = undefined;
    schedule(job, () => {
      if (job.status !== 'Ready') return;
      job.status = 'Active';
      job.activeSince = Date.now();
      run(job);
    });
  }

  function run(job: Job): void {
    schedule(job, () => {
      if (job.status !== 'Active') return;
      const end = Math.min(job.tasks.length, job.results.length + tasksPerTick);
      for (let i = job.results.length; i < end; i++) job.results.push(copyTask(job, job.tasks[i]!));
      const failed = job.results.filter((r) => !r.succeeded).length;
      // "If the failure rate of tasks exceeds 50 percent after at least 1,000 tasks, the job fails."
      if (job.results.length >= FAILURE_THRESHOLD_MIN_TASKS && failed / job.results.length > 0.5) {
        return fail(
          job,
          'JobFailureThresholdExceeded',
          'Job failed because more than 50% of its tasks failed.',
        );
      }
      if (job.results.length < job.tasks.length) return run(job);
      job.status = 'Completing';
      schedule(job, () => finish(job, 'Complete'));
    });
  }

  function loadManifest(job: Job): { code: string; reason: string } | undefined {
    const location = parseObjectArn(job.manifest.objectArn);
    if (!location)
      return { code: 'ManifestNotFound', reason: `Invalid manifest object ARN ${job.manifest.objectArn}` };
    const object = job.manifest.versionId
      ? s3.getObjectVersion(location.bucket, location.key, job.manifest.versionId)
      : s3.getCurrentObject(location.bucket, location.key);
    if (!object)
      return {
        code: 'ManifestNotFound',
        reason: `Reading the manifest failed: ${job.manifest.objectArn} does not exist.`,
      };
    if (unquote(object.etag) !== unquote(job.manifest.etag)) {
      return {
        code: 'ETagMismatch',
        reason: `The ETag of the manifest ${unquote(object.etag)} does not match ${job.manifest.etag}.`,
      };
    }
    if (object.sseCustomerAlgorithm || !object.body) {
      return {
        code: 'ManifestNotReadable',
        reason: 'Reading the manifest failed: the object cannot be read.',
      };
    }
    if (job.report.enabled) {
      const reportBucket = bucketOfArn(job.report.bucketArn ?? '');
      if (!reportBucket || !s3.bucketExists(reportBucket)) {
        return {
          code: 'ReportBucketNotFound',
          reason: `The report bucket ${job.report.bucketArn} does not exist.`,
        };
      }
    }
    const tasks: Task[] = [];
    const lines = object.body.toString('utf8').split(/\r?\n/);
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue;
      const fields = parseCsvLine(line);
      const [bucket, key, versionId] = fields;
      if (!bucket || !key || fields.length !== job.manifest.fields.length) {
        return {
          code: 'ManifestParseError',
          reason: `Manifest line ${index + 1} does not have the fields ${job.manifest.fields.join(',')}.`,
        };
      }
      tasks.push({ bucket, key: decodeKey(key), versionId: versionId === '' ? undefined : versionId });
    }
    job.tasks = tasks;
    return undefined;
  }

  function copyTask(job: Job, task: Task): TaskResult {
    const failure = (httpStatus: number, errorCode: string, message: string): TaskResult => ({
      task,
      succeeded: false,
      httpStatus,
      errorCode,
      message,
    });
    if (!s3.bucketExists(task.bucket))
      return failure(404, 'NoSuchBucket', 'The specified bucket does not exist');
    const source = task.versionId
      ? s3.getObjectVersion(task.bucket, task.key, task.versionId)
      : s3.getCurrentObject(task.bucket, task.key);
    if (!source) {
      return task.versionId
        ? failure(404, 'NoSuchVersion', 'The specified version does not exist.')
        : failure(404, 'NoSuchKey', 'The specified key does not exist.');
    }
    // A copy source stored with SSE-C needs its key; Batch Operations has no way to send one.
    if (source.sseCustomerAlgorithm) {
      return failure(
        400,
        'InvalidRequest',
        'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
      );
    }
    if (source.size > MAX_COPY_SOURCE_BYTES) {
      return failure(
        400,
        'InvalidRequest',
        `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY_SOURCE_BYTES}`,
      );
    }
    const op = job.operation;
    if (!s3.bucketExists(op.targetBucket))
      return failure(404, 'NoSuchBucket', 'The specified bucket does not exist');
    const replace = op.metadataDirective === 'REPLACE';
    s3.putObject(op.targetBucket, task.key, {
      body: source.body,
      size: source.body ? undefined : source.size,
      contentType: replace ? op.newContentType : source.contentType,
      metadata: replace ? (op.newMetadata ?? {}) : source.metadata,
      storageClass: op.storageClass,
    });
    return { task, succeeded: true, httpStatus: 200, errorCode: '', message: 'Successful' };
  }

  // Reports land under `<prefix>/job-<id>/`: one CSV per task outcome under `results/` and a
  // `manifest.json` pointing at them (Amazon S3 User Guide, "Examples: S3 Batch Operations
  // completion reports").
  function writeReport(job: Job): void {
    const report = job.report;
    const bucket = bucketOfArn(report.bucketArn ?? '');
    if (!report.enabled || !bucket || !s3.bucketExists(bucket)) return;
    const base = `${report.prefix ? `${report.prefix.replace(/\/+$/, '')}/` : ''}job-${job.id}`;
    const groups: Array<['succeeded' | 'failed', TaskResult[]]> = [
      ['succeeded', report.scope === 'FailedTasksOnly' ? [] : job.results.filter((r) => r.succeeded)],
      ['failed', job.results.filter((r) => !r.succeeded)],
    ];
    const results: Array<Record<string, string>> = [];
    for (const [status, rows] of groups) {
      if (rows.length === 0) continue;
      // The documented rows put the HTTP status before the error code, although ReportSchema names
      // them the other way round: `bucket,key,,failed,200,PermanentFailure,"..."`.
      const csv = rows
        .map((r) =>
          [
            r.task.bucket,
            encodeURIComponent(r.task.key),
            r.task.versionId ?? '',
            status,
            String(r.httpStatus),
            r.errorCode,
            r.message,
          ]
            .map(csvField)
            .join(','),
        )
        .join('\n');
      const body = Buffer.from(`${csv}\n`);
      const key = `${base}/results/${createHash('sha1').update(`${job.id}/${status}`).digest('hex')}.csv`;
      s3.putObject(bucket, key, { body, contentType: 'text/csv' });
      results.push({
        TaskExecutionStatus: status,
        Bucket: bucket,
        MD5Checksum: createHash('md5').update(body).digest('hex'),
        Key: key,
      });
    }
    const manifest = {
      Format: 'Report_CSV_20180820',
      ReportCreationDate: now().toISOString(),
      Results: results,
      ReportSchema: REPORT_SCHEMA,
    };
    s3.putObject(bucket, `${base}/manifest.json`, {
      body: Buffer.from(JSON.stringify(manifest, null, 2)),
      contentType: 'application/json',
    });
  }

  // ---- requests ----

  function createJob(req: SandboxRequest): string {
    let root: XmlElement;
    try {
      root = parseXml(req.body.toString('utf8'));
    } catch {
      throw badRequest('The XML you provided was not well-formed.');
    }
    const token = childText(root, 'ClientRequestToken');
    if (!token) throw badRequest('ClientRequestToken is required.');
    const earlier = [...jobs.values()].find((j) => j.clientRequestToken === token);
    if (earlier) return earlier.id;

    const operations = childElement(root, 'Operation')?.children ?? [];
    const copy = operations[0];
    if (operations.length !== 1 || copy?.name !== 'S3PutObjectCopy') {
      throw badRequest('The sandbox runs only S3PutObjectCopy jobs.');
    }
    const targetResource = childText(copy, 'TargetResource') ?? '';
    const targetBucket = bucketOfArn(targetResource);
    if (!targetBucket) throw badRequest(`Invalid TargetResource ${targetResource}`);
    const newMetadata = childElement(copy, 'NewObjectMetadata');
    const userMetadata: Record<string, string> = {};
    const metadataEntries = newMetadata ? (childElement(newMetadata, 'UserMetadata')?.children ?? []) : [];
    for (const entry of metadataEntries) {
      const k = childText(entry, 'key');
      if (k !== undefined) userMetadata[k] = childText(entry, 'value') ?? '';
    }

    const manifestEl = childElement(root, 'Manifest');
    const spec = manifestEl && childElement(manifestEl, 'Spec');
    const location = manifestEl && childElement(manifestEl, 'Location');
    if (!spec || !location) throw badRequest('A Manifest with Spec and Location is required.');
    const format = childText(spec, 'Format') ?? '';
    if (format !== 'S3BatchOperations_CSV_20180820')
      throw badRequest(`The sandbox reads only S3BatchOperations_CSV_20180820 manifests, not ${format}.`);
    const fields = childElements(childElement(spec, 'Fields') ?? spec, 'member').map((m) => m.text);
    if (fields.join(',') !== 'Bucket,Key' && fields.join(',') !== 'Bucket,Key,VersionId') {
      throw badRequest('Manifest Fields must be Bucket,Key or Bucket,Key,VersionId.');
    }
    const objectArn = childText(location, 'ObjectArn') ?? '';
    const etag = childText(location, 'ETag');
    if (!parseObjectArn(objectArn)) throw badRequest(`Invalid manifest ObjectArn ${objectArn}`);
    if (!etag) throw badRequest('The manifest ETag is required.');

    const reportEl = childElement(root, 'Report');
    if (!reportEl) throw badRequest('Report is required.');
    const report: JobReport = {
      enabled: childText(reportEl, 'Enabled') === 'true',
      bucketArn: childText(reportEl, 'Bucket'),
      format: childText(reportEl, 'Format'),
      prefix: childText(reportEl, 'Prefix'),
      scope: childText(reportEl, 'ReportScope'),
    };
    if (report.enabled) {
      if (!bucketOfArn(report.bucketArn ?? '')) throw badRequest('Report Bucket must be a bucket ARN.');
      if (report.format !== 'Report_CSV_20180820')
        throw badRequest('Report Format must be Report_CSV_20180820.');
      if (report.scope !== 'AllTasks' && report.scope !== 'FailedTasksOnly')
        throw badRequest('ReportScope must be AllTasks or FailedTasksOnly.');
    }
    const roleArn = childText(root, 'RoleArn');
    if (!roleArn) throw badRequest('RoleArn is required.');
    const priority = Number(childText(root, 'Priority'));
    if (!Number.isInteger(priority) || priority < 0)
      throw badRequest('Priority must be a non-negative integer.');

    const job: Job = {
      id: randomUUID(),
      clientRequestToken: token,
      description: childText(root, 'Description'),
      confirmationRequired: childText(root, 'ConfirmationRequired') === 'true',
      priority,
      roleArn,
      operation: {
        targetBucket,
        targetResource,
        metadataDirective: childText(copy, 'MetadataDirective'),
        newMetadata: newMetadata ? userMetadata : undefined,
        newContentType: newMetadata ? childText(newMetadata, 'ContentType') : undefined,
        storageClass: childText(copy, 'StorageClass'),
      },
      manifest: { format, fields, objectArn, etag, versionId: childText(location, 'ObjectVersionId') },
      report,
      status: 'New',
      statusUpdateReason: undefined,
      failureReasons: [],
      creationTime: now(),
      terminationDate: undefined,
      suspendedDate: undefined,
      suspendedCause: undefined,
      activeSince: undefined,
      activeMs: 0,
      tasks: [],
      results: [],
      timer: undefined,
    };
    jobs.set(job.id, job);
    schedule(job, () => prepare(job));
    return job.id;
  }

  function updateJobStatus(job: Job, requested: string, reason: string | undefined): void {
    if (requested === 'Ready') {
      if (job.status !== 'Suspended' || job.suspendedCause !== 'AwaitingConfirmation') {
        throw new ControlError(
          400,
          'JobStatusException',
          `Job ${job.id} is ${job.status}; only a job awaiting confirmation can be made Ready.`,
        );
      }
      job.statusUpdateReason = reason;
      ready(job);
    } else if (requested === 'Cancelled') {
      if (TERMINAL.has(job.status)) {
        throw new ControlError(400, 'JobStatusException', `Job ${job.id} is already ${job.status}.`);
      }
      clearTimeout(job.timer);
      job.timer = undefined;
      job.statusUpdateReason = reason;
      job.status = 'Cancelling';
      schedule(job, () => finish(job, 'Cancelled'));
    } else {
      throw badRequest(`RequestedJobStatus must be Ready or Cancelled, not ${requested}.`);
    }
  }

  function route(req: SandboxRequest): [operation: string, body: string] {
    const owner = req.headers['x-amz-account-id'];
    if (owner !== accountId) throw new ControlError(403, 'AccessDenied', 'Access Denied');
    const segments = req.rawPath.split('/').slice(1).map(decodeURIComponent);
    const [, resource, jobId, sub] = segments;
    if (resource !== 'jobs') throw new ControlError(404, 'NotFoundException', `No operation at ${req.path}`);
    if (!jobId) {
      if (req.method === 'POST') {
        return [
          'CreateJob',
          `<CreateJobResult xmlns="${NAMESPACE}">${xmlLeaf('JobId', createJob(req))}</CreateJobResult>`,
        ];
      }
      if (req.method === 'GET') return ['ListJobs', listJobs(req)];
    }
    const job = jobId ? jobs.get(jobId) : undefined;
    if (!job) throw new ControlError(404, 'NotFoundException', `Job ${jobId ?? ''} not found.`);
    if (sub === undefined && req.method === 'GET') {
      return [
        'DescribeJob',
        `<DescribeJobResult xmlns="${NAMESPACE}"><Job>${jobXml(job)}</Job></DescribeJobResult>`,
      ];
    }
    if (sub === 'status' && req.method === 'POST') {
      updateJobStatus(
        job,
        req.query.get('requestedJobStatus') ?? '',
        req.query.get('statusUpdateReason') ?? undefined,
      );
      return [
        'UpdateJobStatus',
        `<UpdateJobStatusResult xmlns="${NAMESPACE}">${xmlLeaf('JobId', job.id)}${xmlLeaf('Status', job.status)}${xmlLeaf('StatusUpdateReason', job.statusUpdateReason)}</UpdateJobStatusResult>`,
      ];
    }
    throw new ControlError(404, 'NotFoundException', `No operation at ${req.method} ${req.path}`);
  }

  function listJobs(req: SandboxRequest): string {
    const statuses = req.query.getAll('jobStatuses');
    const list = [...jobs.values()].filter((j) => statuses.length === 0 || statuses.includes(j.status));
    const items = list
      .map(
        (j) =>
          `<member>${xmlLeaf('JobId', j.id)}${xmlLeaf('Description', j.description)}${xmlLeaf('Operation', 'S3PutObjectCopy')}${xmlLeaf('Priority', j.priority)}${xmlLeaf('Status', j.status)}${xmlLeaf('CreationTime', j.creationTime.toISOString())}${xmlLeaf('TerminationDate', j.terminationDate?.toISOString())}${progressXml(j)}</member>`,
      )
      .join('');
    return `<ListJobsResult xmlns="${NAMESPACE}"><Jobs>${items}</Jobs></ListJobsResult>`;
  }

  function progressXml(job: Job): string {
    const succeeded = job.results.filter((r) => r.succeeded).length;
    const active = job.activeMs + (job.activeSince === undefined ? 0 : Date.now() - job.activeSince);
    return `<ProgressSummary>${xmlLeaf('TotalNumberOfTasks', job.tasks.length)}${xmlLeaf('NumberOfTasksSucceeded', succeeded)}${xmlLeaf('NumberOfTasksFailed', job.results.length - succeeded)}<Timers>${xmlLeaf('ElapsedTimeInActiveSeconds', Math.floor(active / 1000))}</Timers></ProgressSummary>`;
  }

  function jobXml(job: Job): string {
    const op = job.operation;
    const failures = job.failureReasons
      .map((f) => `<member>${xmlLeaf('FailureCode', f.code)}${xmlLeaf('FailureReason', f.reason)}</member>`)
      .join('');
    return (
      xmlLeaf('JobId', job.id) +
      xmlLeaf('ConfirmationRequired', job.confirmationRequired) +
      xmlLeaf('Description', job.description) +
      xmlLeaf('JobArn', `arn:aws:s3:${region}:${accountId}:job/${job.id}`) +
      xmlLeaf('Status', job.status) +
      `<Manifest><Spec>${xmlLeaf('Format', job.manifest.format)}<Fields>${job.manifest.fields.map((f) => xmlLeaf('member', f)).join('')}</Fields></Spec>` +
      `<Location>${xmlLeaf('ObjectArn', job.manifest.objectArn)}${xmlLeaf('ObjectVersionId', job.manifest.versionId)}${xmlLeaf('ETag', job.manifest.etag)}</Location></Manifest>` +
      `<Operation><S3PutObjectCopy>${xmlLeaf('TargetResource', op.targetResource)}${xmlLeaf('MetadataDirective', op.metadataDirective)}${xmlLeaf('StorageClass', op.storageClass)}</S3PutObjectCopy></Operation>` +
      xmlLeaf('Priority', job.priority) +
      progressXml(job) +
      xmlLeaf('StatusUpdateReason', job.statusUpdateReason) +
      (failures ? `<FailureReasons>${failures}</FailureReasons>` : '') +
      `<Report>${xmlLeaf('Bucket', job.report.bucketArn)}${xmlLeaf('Format', job.report.format)}${xmlLeaf('Enabled', job.report.enabled)}${xmlLeaf('Prefix', job.report.prefix)}${xmlLeaf('ReportScope', job.report.scope)}</Report>` +
      xmlLeaf('CreationTime', job.creationTime.toISOString()) +
      xmlLeaf('TerminationDate', job.terminationDate?.toISOString()) +
      xmlLeaf('RoleArn', job.roleArn) +
      xmlLeaf('SuspendedDate', job.suspendedDate?.toISOString()) +
      xmlLeaf('SuspendedCause', job.suspendedCause)
    );
  }

  const handler: ServiceHandler = (req) => {
    try {
      const auth = opts.iam?.authorize(req.accessKeyId);
      if (auth && !auth.ok) throw new ControlError(auth.status, auth.code, auth.message);
      const [operation, body] = route(req);
      if (auth?.ok) opts.iam?.recordUse(auth.accessKeyId, 's3', req.region, now());
      return { ...xmlResponse(200, body, req.requestId), operation };
    } catch (error) {
      if (!(error instanceof ControlError)) throw error;
      const body = `<ErrorResponse><Error>${xmlLeaf('Code', error.code)}${xmlLeaf('Message', error.message)}</Error>${xmlLeaf('RequestId', req.requestId)}</ErrorResponse>`;
      return xmlResponse(error.status, body, req.requestId);
    }
  };

  return {
    handler,
    idle: () =>
      [...jobs.values()].every(settled)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push(resolve)),
    close() {
      for (const job of jobs.values()) {
        clearTimeout(job.timer);
        job.timer = undefined;
      }
      notifyIfIdle();
    },
  };
}

function xmlResponse(status: number, body: string, requestId: string): SandboxResponse {
  return {
    status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
    body: XML_DECLARATION + body,
  };
}

function bucketOfArn(arn: string): string | undefined {
  const match = /^arn:aws:s3:::([^/]+)$/.exec(arn);
  return match?.[1];
}

function parseObjectArn(arn: string): { bucket: string; key: string } | undefined {
  const match = /^arn:aws:s3:::([^/]+)\/(.+)$/.exec(arn);
  return match?.[1] && match[2] ? { bucket: match[1], key: match[2] } : undefined;
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/** Manifest keys are URL-encoded; `+` is a space, as in S3 Inventory's encoding. */
function decodeKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    return encoded;
  }
}

function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else {
      field += c;
    }
  }
  fields.push(field);
  return fields;
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
