// Contracts between the AWS stand-in's HTTP front door and its per-service handlers, so each
// service (S3, IAM, STS, Backup, S3 Control) lives in its own module and shares one state.

export interface SandboxRequest {
  method: string;
  /** Decoded path, without the query string (path-style S3: `/bucket/key`). */
  path: string;
  /** The raw path as sent, still percent-encoded (S3 keys must be decoded exactly once). */
  rawPath: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** From the SigV4 `Authorization` header's credential scope; undefined for unsigned requests. */
  accessKeyId: string | undefined;
  /** Service named in the SigV4 credential scope, e.g. `s3`, `iam`, `sts`, `backup`. */
  service: string;
  region: string;
  /** Unique per request; echoed as `x-amz-request-id`. */
  requestId: string;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /**
   * API operation name for the sandbox's request counters (e.g. `CreateJob`). Optional: S3 and
   * query-protocol services are named by the front door itself.
   */
  operation?: string;
}

export type ServiceHandler = (req: SandboxRequest) => Promise<SandboxResponse> | SandboxResponse;

/** Result of attributing a request to an access key, owned by the IAM module. */
export type Authorization =
  | { ok: true; accessKeyId: string; userName: string | undefined; accountId: string }
  | { ok: false; status: 403; code: 'InvalidAccessKeyId' | 'AccessDenied'; message: string };

/** What other services (S3, Backup) need from IAM. */
export interface IamBackend {
  authorize(accessKeyId: string | undefined): Authorization;
  /** Record `iam:GetAccessKeyLastUsed` data for a successful request. */
  recordUse(accessKeyId: string, service: string, region: string, at: Date): void;
}

export interface StoredObjectInput {
  body?: Buffer;
  /** Reported size when no body is held (objects over 5 GB are metadata only). */
  size?: number;
  contentType?: string;
  metadata?: Record<string, string>;
  storageClass?: string;
  tags?: Record<string, string>;
  sseCustomerAlgorithm?: string;
  sseCustomerKeyMd5?: string;
  lastModified?: Date;
}

export interface CurrentObjectView {
  key: string;
  versionId: string;
  size: number;
  etag: string;
  lastModified: Date;
  contentType: string | undefined;
  metadata: Record<string, string>;
  sseCustomerAlgorithm: string | undefined;
  body: Buffer | undefined;
}

/** What AWS Backup and S3 Batch Operations need from S3. */
export interface S3Backend {
  bucketExists(bucket: string): boolean;
  createBucket(bucket: string, opts?: { versioning?: 'Enabled' | 'Suspended' }): void;
  /** Current (non-delete-marker) versions of every key, in key order. */
  listCurrentObjects(bucket: string): CurrentObjectView[];
  getCurrentObject(bucket: string, key: string): CurrentObjectView | undefined;
  getObjectVersion(bucket: string, key: string, versionId: string): CurrentObjectView | undefined;
  /** Writes a new version (or the null version when versioning is off/suspended). Returns its id. */
  putObject(bucket: string, key: string, input: StoredObjectInput): string;
}
