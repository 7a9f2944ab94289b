// AWS Backup for S3 in the stand-in: vaults, recovery points that snapshot a bucket, and
// asynchronous restore jobs that — as AWS documents — never put an object in place of one that
// already exists ("Restores of objects are skipped if the destination bucket has an object with
// the same name"; "A delete marker in the current version is treated as the object as
// nonexistent, so a restore can occur", AWS Backup Developer Guide, Restoring S3 data).

import { randomUUID } from 'node:crypto';
import type {
  Authorization,
  IamBackend,
  S3Backend,
  SandboxRequest,
  SandboxResponse,
  ServiceHandler,
} from './types.ts';

export interface BackupServiceOptions {
  s3: S3Backend;
  accountId: string;
  region: string;
  /** When given, requests are attributed and refused as IAM says. */
  iam?: IamBackend;
  now?: () => Date;
  /** How long a restore job takes from PENDING to COMPLETED. */
  restoreDelayMs?: number;
}

export type RestoreJobStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'ABORTED' | 'FAILED';

export interface BackupService {
  handler: ServiceHandler;
  createVault(name: string): { backupVaultArn: string };
  /**
   * Takes a recovery point of the bucket's current objects as they are now (the vault is created
   * if needed). SSE-C objects are left out: nothing, AWS Backup included, can read them without the key.
   */
  createRecoveryPoint(opts: { vault: string; bucket: string; creationDate?: Date }): {
    recoveryPointArn: string;
    objectCount: number;
    backupSizeInBytes: number;
  };
  /** What a finished restore did, for tests and the drill (AWS reports only the status). */
  restoreJobOutcome(
    restoreJobId: string,
  ): { status: RestoreJobStatus; restoredKeys: string[]; skippedKeys: string[] } | undefined;
  /** Resolves once no restore job is PENDING or RUNNING. */
  idle(): Promise<void>;
  /** Stops restore jobs still in flight (they end ABORTED). */
  close(): void;
}

interface SnapshotObject {
  key: string;
  // Bodies are immutable Buffers shared with the S3 store, so holding one keeps the bytes alive
  // even after the bucket's version is deleted.
  body: Buffer | undefined;
  size: number;
  contentType: string | undefined;
  metadata: Record<string, string>;
}

interface Vault {
  name: string;
  arn: string;
  creationDate: Date;
  creatorRequestId: string | undefined;
  encryptionKeyArn: string;
}

interface RecoveryPoint {
  arn: string;
  vault: Vault;
  bucket: string;
  creationDate: Date;
  objects: SnapshotObject[];
  sizeBytes: number;
}

interface RestoreJob {
  id: string;
  recoveryPoint: RecoveryPoint;
  idempotencyToken: string | undefined;
  destination: string;
  newBucket: boolean;
  items: Set<string> | undefined;
  iamRoleArn: string | undefined;
  status: RestoreJobStatus;
  statusMessage: string | undefined;
  percentDone: number;
  creationDate: Date;
  completionDate: Date | undefined;
  restoredKeys: string[];
  skippedKeys: string[];
  timer: NodeJS.Timeout | undefined;
}

class BackupError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const notFound = (what: string) =>
  new BackupError(400, 'ResourceNotFoundException', `${what} was not found.`);
const invalid = (message: string) => new BackupError(400, 'InvalidParameterValueException', message);

const RESTORE_STEPS = 10;

export function createBackupService(opts: BackupServiceOptions): BackupService {
  const { s3, accountId, region } = opts;
  const now = opts.now ?? (() => new Date());
  const restoreDelayMs = opts.restoreDelayMs ?? 1500;
  const vaults = new Map<string, Vault>();
  const recoveryPoints = new Map<string, RecoveryPoint>();
  const jobs = new Map<string, RestoreJob>();
  let waiters: Array<() => void> = [];

  function createVault(name: string, creatorRequestId?: string): Vault {
    if (!/^[a-zA-Z0-9\-_]{2,50}$/.test(name)) {
      throw invalid('Backup vault name must be 2 to 50 alphanumeric characters, hyphens or underscores.');
    }
    const vault: Vault = {
      name,
      arn: `arn:aws:backup:${region}:${accountId}:backup-vault:${name}`,
      creationDate: now(),
      creatorRequestId,
      encryptionKeyArn: `arn:aws:kms:${region}:${accountId}:key/${randomUUID()}`,
    };
    vaults.set(name, vault);
    return vault;
  }

  function requireVault(name: string): Vault {
    const vault = vaults.get(name);
    if (!vault) throw notFound(`Backup vault ${name}`);
    return vault;
  }

  function requirePoint(vaultName: string, arn: string): RecoveryPoint {
    const vault = requireVault(vaultName);
    const point = recoveryPoints.get(arn);
    if (!point || point.vault !== vault) throw notFound(`Recovery point ${arn}`);
    return point;
  }

  // ---- restore jobs ----

  function settle(job: RestoreJob, status: 'COMPLETED' | 'FAILED' | 'ABORTED', message?: string): void {
    job.status = status;
    job.statusMessage = message;
    job.completionDate = now();
    if (status === 'COMPLETED') job.percentDone = 100;
    job.timer = undefined;
    if (![...jobs.values()].some(isActive)) {
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    }
  }

  function begin(job: RestoreJob): void {
    job.status = 'RUNNING';
    const exists = s3.bucketExists(job.destination);
    if (job.newBucket && exists) {
      settle(job, 'FAILED', `Bucket ${job.destination} already exists; NewBucket was true.`);
      return;
    }
    if (!job.newBucket && !exists) {
      settle(job, 'FAILED', `Bucket ${job.destination} does not exist; set NewBucket to true to create it.`);
      return;
    }
    if (job.newBucket) s3.createBucket(job.destination, { versioning: 'Enabled' });
    const objects = job.recoveryPoint.objects.filter((o) => !job.items || job.items.has(o.key));
    step(job, objects, 0);
  }

  function step(job: RestoreJob, objects: SnapshotObject[], done: number): void {
    const batch = Math.max(1, Math.ceil(objects.length / RESTORE_STEPS));
    const end = Math.min(objects.length, done + batch);
    try {
      for (const object of objects.slice(done, end)) {
        if (s3.getCurrentObject(job.destination, object.key)) {
          job.skippedKeys.push(object.key);
          continue;
        }
        s3.putObject(job.destination, object.key, {
          body: object.body,
          size: object.body ? undefined : object.size,
          contentType: object.contentType,
          metadata: object.metadata,
        });
        job.restoredKeys.push(object.key);
      }
    } catch (error) {
      settle(job, 'FAILED', error instanceof Error ? error.message : String(error));
      return;
    }
    job.percentDone = objects.length === 0 ? 100 : (100 * end) / objects.length;
    if (end >= objects.length) {
      job.timer = setTimeout(() => settle(job, 'COMPLETED'), restoreDelayMs / (RESTORE_STEPS + 2));
    } else {
      job.timer = setTimeout(() => step(job, objects, end), restoreDelayMs / (RESTORE_STEPS + 2));
    }
    job.timer.unref();
  }

  function startRestoreJob(body: Record<string, unknown>): RestoreJob {
    const arn = stringField(body, 'RecoveryPointArn', true);
    const metadata = body['Metadata'];
    if (typeof metadata !== 'object' || metadata === null) {
      throw new BackupError(400, 'MissingParameterValueException', 'Metadata is required.');
    }
    const meta = metadata as Record<string, unknown>;
    const token = stringField(body, 'IdempotencyToken', false);
    if (token !== undefined) {
      const earlier = [...jobs.values()].find((j) => j.idempotencyToken === token);
      if (earlier) return earlier;
    }
    const point = recoveryPoints.get(arn);
    if (!point) throw notFound(`Recovery point ${arn}`);
    const newBucket = parseBoolean(meta['NewBucket'] ?? 'false', 'NewBucket');
    if (meta['Encrypted'] !== undefined) parseBoolean(meta['Encrypted'], 'Encrypted');
    const destination =
      typeof meta['DestinationBucketName'] === 'string' ? meta['DestinationBucketName'] : point.bucket;
    const job: RestoreJob = {
      id: randomUUID().toUpperCase(),
      recoveryPoint: point,
      idempotencyToken: token,
      destination,
      newBucket,
      items: parseItems(meta['ItemsToRestore']),
      iamRoleArn: stringField(body, 'IamRoleArn', false),
      status: 'PENDING',
      statusMessage: undefined,
      percentDone: 0,
      creationDate: now(),
      completionDate: undefined,
      restoredKeys: [],
      skippedKeys: [],
      timer: undefined,
    };
    jobs.set(job.id, job);
    job.timer = setTimeout(() => begin(job), restoreDelayMs / (RESTORE_STEPS + 2));
    job.timer.unref();
    return job;
  }

  // ---- JSON views ----

  const epoch = (date: Date | undefined) => (date === undefined ? undefined : date.getTime() / 1000);

  const vaultView = (v: Vault) => ({
    BackupVaultName: v.name,
    BackupVaultArn: v.arn,
    CreationDate: epoch(v.creationDate),
    EncryptionKeyArn: v.encryptionKeyArn,
    CreatorRequestId: v.creatorRequestId,
    NumberOfRecoveryPoints: [...recoveryPoints.values()].filter((p) => p.vault === v).length,
    Locked: false,
    VaultType: 'BACKUP_VAULT',
    VaultState: 'AVAILABLE',
  });

  const pointView = (p: RecoveryPoint) => ({
    RecoveryPointArn: p.arn,
    BackupVaultName: p.vault.name,
    BackupVaultArn: p.vault.arn,
    ResourceArn: `arn:aws:s3:::${p.bucket}`,
    ResourceType: 'S3',
    ResourceName: p.bucket,
    CreationDate: epoch(p.creationDate),
    CompletionDate: epoch(p.creationDate),
    Status: 'COMPLETED',
    BackupSizeInBytes: p.sizeBytes,
    EncryptionKeyArn: p.vault.encryptionKeyArn,
    IsEncrypted: true,
    StorageClass: 'WARM',
    IsParent: false,
    VaultType: 'BACKUP_VAULT',
  });

  const jobView = (j: RestoreJob) => ({
    AccountId: accountId,
    RestoreJobId: j.id,
    RecoveryPointArn: j.recoveryPoint.arn,
    SourceResourceArn: `arn:aws:s3:::${j.recoveryPoint.bucket}`,
    BackupVaultArn: j.recoveryPoint.vault.arn,
    CreationDate: epoch(j.creationDate),
    CompletionDate: epoch(j.completionDate),
    Status: j.status,
    StatusMessage: j.statusMessage,
    PercentDone: `${j.percentDone.toFixed(2)}%`,
    BackupSizeInBytes: j.recoveryPoint.sizeBytes,
    IamRoleArn: j.iamRoleArn,
    ExpectedCompletionTimeMinutes: Math.max(1, Math.ceil(restoreDelayMs / 60_000)),
    CreatedResourceArn: j.status === 'FAILED' ? undefined : `arn:aws:s3:::${j.destination}`,
    ResourceType: 'S3',
    RecoveryPointCreationDate: epoch(j.recoveryPoint.creationDate),
    IsParent: false,
  });

  // ---- routes ----

  function route(req: SandboxRequest): [operation: string, result: unknown] {
    const segments = req.rawPath.split('/').slice(1).map(decodeURIComponent);
    const [root, first, second, third, fourth] = segments;
    const body = () => parseBody(req.body);
    if (root === 'backup-vaults') {
      if (first === undefined || first === '') {
        if (req.method === 'GET')
          return ['ListBackupVaults', page(req, [...vaults.values()].map(vaultView), 'BackupVaultList')];
      } else if (second === undefined) {
        if (req.method === 'PUT') {
          if (vaults.has(first))
            throw new BackupError(400, 'AlreadyExistsException', `Backup vault ${first} already exists.`);
          const vault = createVault(first, stringField(body(), 'CreatorRequestId', false));
          return [
            'CreateBackupVault',
            {
              BackupVaultName: vault.name,
              BackupVaultArn: vault.arn,
              CreationDate: epoch(vault.creationDate),
            },
          ];
        }
        if (req.method === 'GET') return ['DescribeBackupVault', vaultView(requireVault(first))];
      } else if (second === 'recovery-points') {
        if (third === undefined || third === '') {
          const vault = requireVault(first);
          const points = [...recoveryPoints.values()].filter((p) => p.vault === vault).map(pointView);
          return ['ListRecoveryPointsByBackupVault', page(req, points, 'RecoveryPoints')];
        }
        if (fourth === undefined && req.method === 'GET')
          return ['DescribeRecoveryPoint', pointView(requirePoint(first, third))];
        if (fourth === undefined && req.method === 'DELETE') {
          requirePoint(first, third);
          recoveryPoints.delete(third);
          return ['DeleteRecoveryPoint', {}];
        }
        if (fourth === 'restore-metadata' && req.method === 'GET') {
          const point = requirePoint(first, third);
          return [
            'GetRecoveryPointRestoreMetadata',
            {
              BackupVaultArn: point.vault.arn,
              RecoveryPointArn: point.arn,
              ResourceType: 'S3',
              RestoreMetadata: {
                DestinationBucketName: point.bucket,
                NewBucket: 'false',
                Encrypted: 'false',
              },
            },
          ];
        }
      }
    } else if (root === 'resources' && second === 'recovery-points' && first && req.method === 'GET') {
      const prefix = 'arn:aws:s3:::';
      const points = [...recoveryPoints.values()]
        .filter((p) => `${prefix}${p.bucket}` === first)
        .sort((a, b) => b.creationDate.getTime() - a.creationDate.getTime())
        .map((p) => ({
          RecoveryPointArn: p.arn,
          CreationDate: epoch(p.creationDate),
          Status: 'COMPLETED',
          EncryptionKeyArn: p.vault.encryptionKeyArn,
          BackupSizeBytes: p.sizeBytes,
          BackupVaultName: p.vault.name,
          IsParent: false,
          ResourceName: p.bucket,
          VaultType: 'BACKUP_VAULT',
        }));
      return ['ListRecoveryPointsByResource', page(req, points, 'RecoveryPoints')];
    } else if (root === 'restore-jobs') {
      if ((first === undefined || first === '') && req.method === 'PUT') {
        const job = startRestoreJob(body());
        return ['StartRestoreJob', { RestoreJobId: job.id }];
      }
      if ((first === undefined || first === '') && req.method === 'GET') {
        const status = req.query.get('status');
        const list = [...jobs.values()].filter((j) => !status || j.status === status).map(jobView);
        return ['ListRestoreJobs', page(req, list, 'RestoreJobs')];
      }
      if (first && second === undefined && req.method === 'GET') {
        const job = jobs.get(first);
        if (!job) throw notFound(`Restore job ${first}`);
        return ['DescribeRestoreJob', jobView(job)];
      }
    }
    throw new BackupError(404, 'UnknownOperationException', `No operation at ${req.method} ${req.path}`);
  }

  const handler: ServiceHandler = (req) => {
    try {
      const auth: Authorization | undefined = opts.iam?.authorize(req.accessKeyId);
      if (auth && !auth.ok) {
        throw auth.code === 'InvalidAccessKeyId'
          ? new BackupError(
              403,
              'UnrecognizedClientException',
              'The security token included in the request is invalid.',
            )
          : new BackupError(403, 'AccessDeniedException', auth.message);
      }
      const [operation, result] = route(req);
      if (auth?.ok) opts.iam?.recordUse(auth.accessKeyId, 'backup', req.region, now());
      return { ...json(200, result, req.requestId), operation };
    } catch (error) {
      if (error instanceof BackupError) {
        return json(
          error.status,
          { __type: error.code, Code: error.code, Message: error.message },
          req.requestId,
          error.code,
        );
      }
      throw error;
    }
  };

  return {
    handler,
    createVault: (name) => ({ backupVaultArn: createVault(name).arn }),
    createRecoveryPoint({ vault, bucket, creationDate }) {
      if (!s3.bucketExists(bucket)) throw new Error(`createRecoveryPoint: bucket ${bucket} does not exist`);
      const target = vaults.get(vault) ?? createVault(vault);
      const objects: SnapshotObject[] = s3
        .listCurrentObjects(bucket)
        .filter((o) => o.sseCustomerAlgorithm === undefined)
        .map((o) => ({
          key: o.key,
          body: o.body,
          size: o.size,
          contentType: o.contentType,
          metadata: { ...o.metadata },
        }));
      const point: RecoveryPoint = {
        arn: `arn:aws:backup:${region}:${accountId}:recovery-point:${randomUUID().toUpperCase()}`,
        vault: target,
        bucket,
        creationDate: creationDate ?? now(),
        objects,
        sizeBytes: objects.reduce((sum, o) => sum + o.size, 0),
      };
      recoveryPoints.set(point.arn, point);
      return { recoveryPointArn: point.arn, objectCount: objects.length, backupSizeInBytes: point.sizeBytes };
    },
    restoreJobOutcome(restoreJobId) {
      const job = jobs.get(restoreJobId);
      return (
        job && { status: job.status, restoredKeys: [...job.restoredKeys], skippedKeys: [...job.skippedKeys] }
      );
    },
    idle: () =>
      [...jobs.values()].some(isActive)
        ? new Promise<void>((resolve) => waiters.push(resolve))
        : Promise.resolve(),
    close() {
      for (const job of jobs.values()) {
        if (!isActive(job)) continue;
        clearTimeout(job.timer);
        settle(job, 'ABORTED', 'The sandbox was shut down.');
      }
    },
  };
}

function isActive(job: RestoreJob): boolean {
  return job.status === 'PENDING' || job.status === 'RUNNING';
}

function json(status: number, value: unknown, requestId: string, errorType?: string): SandboxResponse {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-requestid': requestId,
  };
  // The SDK's REST-JSON deserializer takes the error code from this header first.
  if (errorType) headers['x-amzn-errortype'] = errorType;
  return { status, headers, body: JSON.stringify(value) };
}

function parseBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new BackupError(400, 'InvalidRequestException', 'The request body is not a JSON object.');
}

function stringField(body: Record<string, unknown>, name: string, required: true): string;
function stringField(body: Record<string, unknown>, name: string, required: false): string | undefined;
function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = body[name];
  if (typeof value === 'string' && value !== '') return value;
  if (required) throw new BackupError(400, 'MissingParameterValueException', `${name} is required.`);
  return undefined;
}

function parseBoolean(value: unknown, name: string): boolean {
  const text = String(value).toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw invalid(`Metadata ${name} must be "true" or "false".`);
}

/** `ItemsToRestore`: a JSON array of one to five `s3://bucket/key` URIs (item-level restore). */
function parseItems(value: unknown): Set<string> | undefined {
  if (value === undefined) return undefined;
  let uris: unknown;
  try {
    uris = typeof value === 'string' ? JSON.parse(value) : value;
  } catch {
    throw invalid('ItemsToRestore must be a JSON array of S3 URIs.');
  }
  if (!Array.isArray(uris) || uris.length < 1 || uris.length > 5) {
    throw invalid('ItemsToRestore must list one to five S3 URIs.');
  }
  const keys = new Set<string>();
  for (const uri of uris) {
    const match = typeof uri === 'string' ? /^s3:\/\/[^/]+\/(.+)$/.exec(uri) : null;
    if (!match?.[1]) throw invalid(`ItemsToRestore entry ${String(uri)} is not an S3 URI.`);
    keys.add(match[1]);
  }
  return keys;
}

function page<T>(req: SandboxRequest, items: T[], field: string): Record<string, unknown> {
  const max = Number(req.query.get('maxResults') ?? '1000');
  const start = Number(req.query.get('nextToken') ?? '0');
  if (!Number.isInteger(max) || max < 1 || !Number.isInteger(start) || start < 0) {
    throw invalid('Invalid maxResults or nextToken.');
  }
  const next = start + max;
  return { [field]: items.slice(start, next), NextToken: next < items.length ? String(next) : undefined };
}
