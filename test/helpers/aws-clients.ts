// Real AWS SDK v3 clients pointed at a sandbox (or moto) endpoint, for tests across the project.
// Few attempts keep a failing test fast; pass `maxAttempts` to exercise retries (e.g. SlowDown).

import { BackupClient } from '@aws-sdk/client-backup';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { STSClient } from '@aws-sdk/client-sts';
import { withoutAccountHostPrefix } from '../../src/sandbox/aws/s3-control.ts';

export interface SandboxEndpoint {
  endpoint: string;
  region: string;
  adminCredentials: { accessKeyId: string; secretAccessKey: string };
}

export interface ClientOptions {
  /** Defaults to the sandbox's admin credentials. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts?: number;
}

function common(sandbox: SandboxEndpoint, opts: ClientOptions) {
  return {
    endpoint: sandbox.endpoint,
    region: sandbox.region,
    credentials: opts.credentials ?? sandbox.adminCredentials,
    maxAttempts: opts.maxAttempts ?? 2,
  };
}

export function sandboxS3Client(sandbox: SandboxEndpoint, opts: ClientOptions = {}): S3Client {
  return new S3Client({ ...common(sandbox, opts), forcePathStyle: true });
}

export function sandboxIamClient(sandbox: SandboxEndpoint, opts: ClientOptions = {}): IAMClient {
  return new IAMClient(common(sandbox, opts));
}

export function sandboxStsClient(sandbox: SandboxEndpoint, opts: ClientOptions = {}): STSClient {
  return new STSClient(common(sandbox, opts));
}

export function sandboxBackupClient(sandbox: SandboxEndpoint, opts: ClientOptions = {}): BackupClient {
  return new BackupClient(common(sandbox, opts));
}

/** S3 Control, without the account-id host prefix its endpoint rules add (unresolvable on loopback). */
export function sandboxS3ControlClient(sandbox: SandboxEndpoint, opts: ClientOptions = {}): S3ControlClient {
  const client = new S3ControlClient(common(sandbox, opts));
  withoutAccountHostPrefix(client);
  return client;
}
