import { GetAccessKeyLastUsedCommand, type IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetAccessKeyInfoCommand, type STSClient } from '@aws-sdk/client-sts';
import { describeAwsError } from '../aws-errors.ts';
import { ids } from './step.ts';

export type KeyType = 'long-term' | 'session' | 'unknown';

export interface KeyHint {
  /** The IAM user that owns a long-term key, when known from the alert. */
  userName?: string;
  /** The role behind a session key (`ASIA…`): from CloudTrail's sessionIssuer or GuardDuty. */
  roleName?: string;
}

export interface ResolvedKey {
  accessKeyId: string;
  type: KeyType;
  accountId: string | null;
  userName: string | null;
  roleName: string | null;
  status: 'Active' | 'Inactive' | null;
  lastUsed: { date: string | null; service: string | null; region: string | null } | null;
  /** What could not be found out, in words a responder can act on. */
  notes: string[];
  requestIds: string[];
}

/** AKIA: an IAM user's long-term key; ASIA: temporary credentials from STS (a role session). */
export function keyTypeOf(accessKeyId: string): KeyType {
  if (accessKeyId.startsWith('AKIA')) return 'long-term';
  if (accessKeyId.startsWith('ASIA')) return 'session';
  return 'unknown';
}

/**
 * Who a key belongs to and whether it is still usable, before anything is changed: account
 * (sts:GetAccessKeyInfo), owner and last use (iam:GetAccessKeyLastUsed), status (iam:ListAccessKeys).
 */
export async function resolveAccessKey(
  clients: { sts: STSClient; iam: IAMClient },
  accessKeyId: string,
  hint: KeyHint = {},
): Promise<ResolvedKey> {
  const resolved: ResolvedKey = {
    accessKeyId,
    type: keyTypeOf(accessKeyId),
    accountId: null,
    userName: hint.userName ?? null,
    roleName: hint.roleName ?? null,
    status: null,
    lastUsed: null,
    notes: [],
    requestIds: [],
  };
  try {
    const info = await clients.sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: accessKeyId }));
    resolved.accountId = info.Account ?? null;
    resolved.requestIds.push(...ids(info));
  } catch (error) {
    resolved.notes.push(`account unknown (sts:GetAccessKeyInfo: ${describeAwsError(error)})`);
  }
  if (resolved.type === 'session') {
    // IAM keeps no record of temporary keys: the role must come from the alert or the responder.
    if (!resolved.roleName) {
      resolved.notes.push('session key: name its role (--role) to revoke the role’s older sessions');
    }
    return resolved;
  }
  try {
    const used = await clients.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
    resolved.requestIds.push(...ids(used));
    resolved.userName = used.UserName ?? resolved.userName;
    const last = used.AccessKeyLastUsed;
    resolved.lastUsed = {
      date: last?.LastUsedDate ? last.LastUsedDate.toISOString() : null,
      service: last?.ServiceName && last.ServiceName !== 'N/A' ? last.ServiceName : null,
      region: last?.Region && last.Region !== 'N/A' ? last.Region : null,
    };
  } catch (error) {
    resolved.notes.push(`owner unknown (iam:GetAccessKeyLastUsed: ${describeAwsError(error)})`);
  }
  if (resolved.userName) {
    try {
      resolved.status = await keyStatus(clients.iam, resolved.userName, accessKeyId, resolved.requestIds);
      if (resolved.status === null) {
        resolved.notes.push(`user ${resolved.userName} has no key ${accessKeyId} (deleted?)`);
      }
    } catch (error) {
      resolved.notes.push(`status unknown (iam:ListAccessKeys: ${describeAwsError(error)})`);
    }
  }
  if (resolved.type === 'unknown' && !resolved.userName) {
    resolved.notes.push('not an AKIA/ASIA key id: nothing to deactivate');
  }
  return resolved;
}

/** A key's status from its user's key list (IAM has no GetAccessKey). */
export async function keyStatus(
  iam: IAMClient,
  userName: string,
  accessKeyId: string,
  requestIds: string[] = [],
): Promise<'Active' | 'Inactive' | null> {
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListAccessKeysCommand({ UserName: userName, Marker: marker }));
    requestIds.push(...ids(page));
    const found = page.AccessKeyMetadata?.find((k) => k.AccessKeyId === accessKeyId);
    if (found) return found.Status === 'Inactive' ? 'Inactive' : 'Active';
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return null;
}
