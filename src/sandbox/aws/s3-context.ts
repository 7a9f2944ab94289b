// What every S3 operation handler receives: the parsed path-style address, the caller and the store.

import type { S3Store } from './s3-store.ts';
import type { Caller } from './s3-write-guard.ts';
import type { SandboxRequest, SandboxResponse } from './types.ts';

export interface S3Context {
  store: S3Store;
  req: SandboxRequest;
  /** Empty for service-level requests (ListBuckets). */
  bucketName: string;
  /** Undefined for bucket-level requests. */
  key: string | undefined;
  caller: Caller;
}

export type S3OperationHandler = (ctx: S3Context) => SandboxResponse;

/** Object-level handlers are only routed when the path names a key. */
export function keyOf(ctx: S3Context): string {
  return ctx.key as string;
}

/** `versionId` query parameter; `null` is a real version id in S3. */
export function versionIdParam(ctx: S3Context): string | undefined {
  return ctx.req.query.get('versionId') ?? undefined;
}
