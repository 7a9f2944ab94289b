// S3's front: path-style addressing, naming the operation a request is (for routing and for the
// sandbox's per-operation counters), attributing it to an access key, and rendering S3 errors.

import { getObjectAttributes } from './s3-attributes.ts';
import {
  deleteBucketEncryption,
  deleteBucketLifecycle,
  deleteBucketPolicy,
  getBucketEncryption,
  getBucketLifecycle,
  getBucketPolicy,
  putBucketEncryption,
  putBucketLifecycle,
  putBucketPolicy,
} from './s3-bucket-config.ts';
import {
  createBucket,
  deleteBucket,
  getBucketLocation,
  getBucketVersioning,
  headBucket,
  listBuckets,
  putBucketVersioning,
} from './s3-buckets.ts';
import type { S3Context, S3OperationHandler } from './s3-context.ts';
import { copyObject } from './s3-copy.ts';
import { deleteObjects } from './s3-delete-objects.ts';
import { renderS3Error, S3Error } from './s3-errors.ts';
import { listObjects, listObjectsV2, listObjectVersions } from './s3-listing.ts';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from './s3-multipart.ts';
import { deleteObject, getObject, headObject, putObject } from './s3-objects.ts';
import type { S3Store } from './s3-store.ts';
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from './s3-tagging.ts';
import type { Authorization, IamBackend, SandboxRequest, SandboxResponse, ServiceHandler } from './types.ts';

const OPERATIONS: Record<string, S3OperationHandler> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  HeadBucket: headBucket,
  DeleteBucket: deleteBucket,
  GetBucketLocation: getBucketLocation,
  GetBucketVersioning: getBucketVersioning,
  PutBucketVersioning: putBucketVersioning,
  GetBucketPolicy: getBucketPolicy,
  PutBucketPolicy: putBucketPolicy,
  DeleteBucketPolicy: deleteBucketPolicy,
  GetBucketEncryption: getBucketEncryption,
  PutBucketEncryption: putBucketEncryption,
  DeleteBucketEncryption: deleteBucketEncryption,
  GetBucketLifecycleConfiguration: getBucketLifecycle,
  PutBucketLifecycleConfiguration: putBucketLifecycle,
  DeleteBucketLifecycle: deleteBucketLifecycle,
  ListObjectVersions: listObjectVersions,
  ListObjectsV2: listObjectsV2,
  ListObjects: listObjects,
  ListMultipartUploads: listMultipartUploads,
  DeleteObjects: deleteObjects,
  PutObject: putObject,
  CopyObject: copyObject,
  GetObject: getObject,
  HeadObject: headObject,
  DeleteObject: deleteObject,
  GetObjectAttributes: getObjectAttributes,
  GetObjectTagging: getObjectTagging,
  PutObjectTagging: putObjectTagging,
  DeleteObjectTagging: deleteObjectTagging,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
};

/** Bucket subresources the stand-in knows to exist but does not model. */
const UNMODELLED = [
  'acl',
  'tagging',
  'cors',
  'website',
  'logging',
  'notification',
  'replication',
  'object-lock',
  'ownershipControls',
  'publicAccessBlock',
  'policyStatus',
  'accelerate',
  'requestPayment',
  'analytics',
  'metrics',
  'inventory',
  'intelligent-tiering',
  'retention',
  'legal-hold',
  'restore',
  'select',
];

const CONFIG_SUBRESOURCES: Record<string, string> = {
  versioning: 'BucketVersioning',
  policy: 'BucketPolicy',
  encryption: 'BucketEncryption',
  lifecycle: 'BucketLifecycle',
};

function bucketOperation(method: string, q: URLSearchParams): string {
  for (const [sub, name] of Object.entries(CONFIG_SUBRESOURCES)) {
    if (!q.has(sub)) continue;
    if (method === 'GET') return sub === 'lifecycle' ? 'GetBucketLifecycleConfiguration' : `Get${name}`;
    if (method === 'PUT') return sub === 'lifecycle' ? 'PutBucketLifecycleConfiguration' : `Put${name}`;
    if (method === 'DELETE' && sub !== 'versioning') return `Delete${name}`;
    return 'Unsupported';
  }
  if (UNMODELLED.some((sub) => q.has(sub))) return 'Unsupported';
  switch (method) {
    case 'GET':
      if (q.has('location')) return 'GetBucketLocation';
      if (q.has('versions')) return 'ListObjectVersions';
      if (q.has('uploads')) return 'ListMultipartUploads';
      return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    case 'PUT':
      return 'CreateBucket';
    case 'HEAD':
      return 'HeadBucket';
    case 'DELETE':
      return 'DeleteBucket';
    case 'POST':
      return q.has('delete') ? 'DeleteObjects' : 'Unsupported';
    default:
      return 'Unsupported';
  }
}

function objectOperation(method: string, q: URLSearchParams, headers: Record<string, string>): string {
  const copy = headers['x-amz-copy-source'] !== undefined;
  if (q.has('tagging')) {
    return method === 'GET'
      ? 'GetObjectTagging'
      : method === 'PUT'
        ? 'PutObjectTagging'
        : method === 'DELETE'
          ? 'DeleteObjectTagging'
          : 'Unsupported';
  }
  if (UNMODELLED.some((sub) => q.has(sub))) return 'Unsupported';
  switch (method) {
    case 'GET':
      if (q.has('attributes')) return 'GetObjectAttributes';
      return q.has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'PUT':
      if (q.has('uploadId')) return copy ? 'UploadPartCopy' : 'UploadPart';
      return copy ? 'CopyObject' : 'PutObject';
    case 'DELETE':
      return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (q.has('uploads')) return 'CreateMultipartUpload';
      return q.has('uploadId') ? 'CompleteMultipartUpload' : 'Unsupported';
    default:
      return 'Unsupported';
  }
}

interface S3Address {
  bucket: string;
  key: string | undefined;
}

/** Path-style `/bucket/key`: the key is taken from the raw path and percent-decoded once. */
export function parseS3Path(rawPath: string): S3Address {
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const slash = path.indexOf('/');
  const bucket = decodeURIComponent(slash === -1 ? path : path.slice(0, slash));
  const key = slash === -1 ? '' : decodeURIComponent(path.slice(slash + 1));
  return { bucket, key: key === '' ? undefined : key };
}

/** The S3 API operation a request is, e.g. `HeadObject`; `Unsupported` when the sandbox lacks it. */
export function s3OperationOf(req: Pick<SandboxRequest, 'method' | 'rawPath' | 'query' | 'headers'>): string {
  let address: S3Address;
  try {
    address = parseS3Path(req.rawPath);
  } catch {
    return 'Unsupported';
  }
  if (address.bucket === '') return req.method === 'GET' ? 'ListBuckets' : 'Unsupported';
  if (address.key === undefined) return bucketOperation(req.method, req.query);
  return objectOperation(req.method, req.query, req.headers);
}

/** IAM action names, for AccessDenied messages that name what was refused, as AWS's do. */
const IAM_ACTIONS: Record<string, string> = {
  HeadObject: 's3:GetObject',
  GetObjectAttributes: 's3:GetObject',
  CopyObject: 's3:PutObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  UploadPartCopy: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  ListObjectVersions: 's3:ListBucketVersions',
  ListObjectsV2: 's3:ListBucket',
  ListObjects: 's3:ListBucket',
  ListBuckets: 's3:ListAllMyBuckets',
  HeadBucket: 's3:ListBucket',
  DeleteObjects: 's3:DeleteObject',
  GetBucketPolicy: 's3:GetBucketPolicy',
  GetBucketEncryption: 's3:GetEncryptionConfiguration',
  PutBucketEncryption: 's3:PutEncryptionConfiguration',
  DeleteBucketEncryption: 's3:PutEncryptionConfiguration',
  GetBucketLifecycleConfiguration: 's3:GetLifecycleConfiguration',
  PutBucketLifecycleConfiguration: 's3:PutLifecycleConfiguration',
  DeleteBucketLifecycle: 's3:PutLifecycleConfiguration',
};

/** What S3 needs from IAM; `authorizeAction`, when offered, names the action in refusals. */
export type S3Iam = IamBackend & {
  authorizeAction?: (accessKeyId: string | undefined, action: string, resource?: string) => Authorization;
};

export interface S3ServiceOptions {
  store: S3Store;
  /** Until IAM is wired in, every signed request is accepted. */
  iam?: S3Iam | undefined;
  now: () => Date;
}

function authorize(
  opts: S3ServiceOptions,
  req: SandboxRequest,
  operation: string,
  address: S3Address,
): Authorization {
  const accessKeyId = req.accessKeyId as string;
  const iam = opts.iam;
  if (!iam) return { ok: true, accessKeyId, userName: undefined, accountId: '123456789012' };
  const action = IAM_ACTIONS[operation] ?? `s3:${operation}`;
  const resource = `arn:aws:s3:::${address.bucket}${address.key === undefined ? '' : `/${address.key}`}`;
  const auth = iam.authorizeAction
    ? iam.authorizeAction(accessKeyId, action, resource)
    : iam.authorize(accessKeyId);
  if (auth.ok) iam.recordUse(accessKeyId, 's3', req.region, opts.now());
  return auth;
}

export function createS3Service(opts: S3ServiceOptions): { handler: ServiceHandler } {
  const handler = (req: SandboxRequest): SandboxResponse => {
    try {
      if (req.accessKeyId === undefined) throw new S3Error(403, 'AccessDenied', 'Access Denied');
      let address: S3Address;
      try {
        address = parseS3Path(req.rawPath);
      } catch {
        throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
      }
      const operation = s3OperationOf(req);
      const auth = authorize(opts, req, operation, address);
      if (!auth.ok) {
        const fields = auth.code === 'InvalidAccessKeyId' ? { AWSAccessKeyId: req.accessKeyId } : {};
        throw new S3Error(auth.status, auth.code, auth.message, fields);
      }
      const run = OPERATIONS[operation];
      if (!run) {
        throw new S3Error(
          501,
          'NotImplemented',
          'A header you provided implies functionality that is not implemented',
        );
      }
      const ctx: S3Context = {
        store: opts.store,
        req,
        bucketName: address.bucket,
        key: address.key,
        caller: { accountId: auth.accountId, userName: auth.userName },
      };
      return run(ctx);
    } catch (error) {
      if (error instanceof S3Error) return renderS3Error(error, req.requestId, req.method);
      const message = error instanceof Error ? error.message : String(error);
      return renderS3Error(
        new S3Error(500, 'InternalError', `We encountered an internal error: ${message}`),
        req.requestId,
        req.method,
      );
    }
  };
  return { handler };
}
