// The IPC messages between the drill and its AWS stand-in child (aws-stand-in-child.ts). Every
// request carries an id; the child answers each with exactly one response of the same id, `ok` with
// the operation's result or not `ok` with the error it threw. Values cross as JSON: dates as epoch
// milliseconds, sets as arrays.

import type { IssuedAccessKey } from '../sandbox/aws/iam.ts';

/** argv[2] of the child, as JSON. */
export interface StandInStartOptions {
  seed: number;
  restoreDelayMs: number;
}

/** What the drill does to the AWS stand-in, by operation: its parameters and its result. */
export interface StandInOperations {
  createBucket: {
    params: { bucket: string; versioning: 'Enabled' | 'Suspended' };
    result: null;
  };
  /** Generates the drill's bucket (`drillBucketVersions`) in the child and seeds it there. */
  seedDrillBucket: {
    params: { bucket: string; objects: number; before: number };
    result: {
      keys: string[];
      legitSseCKeys: string[];
      versions: number;
      /** Values the seeding drew from `seededRandom(seed)`, so the drill can draw on past them. */
      draws: number;
    };
  };
  createRecoveryPoint: {
    params: { vault: string; bucket: string; creationDate: number };
    result: { recoveryPointArn: string; objectCount: number; backupSizeInBytes: number };
  };
  createUser: {
    params: { userName: string };
    result: { userName: string; userId: string; arn: string };
  };
  createAccessKey: {
    params: { userName: string };
    result: IssuedAccessKey;
  };
  /** Closes the server; the child exits once it has answered. */
  stop: {
    params: Record<string, never>;
    result: null;
  };
}

export type StandInOperation = keyof StandInOperations;

export interface StandInRequest<Op extends StandInOperation = StandInOperation> {
  id: number;
  op: Op;
  params: StandInOperations[Op]['params'];
}

export interface StandInError {
  name: string;
  message: string;
  stack?: string;
}

export type StandInMessage =
  | {
      type: 'ready';
      endpoint: string;
      region: string;
      accountId: string;
      adminCredentials: { accessKeyId: string; secretAccessKey: string };
    }
  | { type: 'failed'; error: StandInError }
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: StandInError };

export function toStandInError(error: unknown): StandInError {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  }
  return { name: 'Error', message: String(error) };
}
