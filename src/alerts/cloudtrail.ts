// CloudTrail records (the `detail` of an "AWS API Call via CloudTrail" event): management events
// such as PutBucketLifecycle and S3 data events such as CopyObject. Only the calls that move an
// SSE-C ransomware attack forward become alerts; everything else is ignored with a reason.

import { type CloudTrailRecord, cloudTrailSchema } from './cloudtrail-record.ts';
import type { EnvelopeContext } from './envelope.ts';
import { type Classified, classifyS3Call } from './s3-calls.ts';
import { describeIssues } from './schema.ts';
import type { ParsedAlert, ParseOptions, ParseResult, Principal } from './types.ts';
import { asAccessKeyId, asAccountId, asRegion, asText, pick } from './values.ts';

export function parseCloudTrailEvent(
  detail: unknown,
  envelope: EnvelopeContext,
  options: ParseOptions,
): ParseResult {
  const parsed = cloudTrailSchema.safeParse(detail);
  if (!parsed.success) {
    return { kind: 'invalid', reason: describeIssues('CloudTrail event', parsed.error, 'detail') };
  }
  const record = parsed.data;
  const ownArn = ownPrincipal(record, options.ignorePrincipalArns ?? []);
  if (ownArn !== undefined) {
    return { kind: 'ignored', reason: `${record.eventName} was made by the bot's own principal ${ownArn}` };
  }
  const accountId = asAccountId(record.recipientAccountId) ?? envelope.accountId;
  const classified = classify(record, accountId);
  if (classified.kind !== 'classified') return classified;

  const observedAt = record.eventTime ?? envelope.time;
  if (!observedAt) return { kind: 'invalid', reason: 'CloudTrail event: detail.eventTime is missing' };
  // eventID is CloudTrail's own id, so a redelivery through another route still deduplicates.
  const eventId = asText(record.eventID, 256);
  if (!eventId && !envelope.eventId) {
    return { kind: 'invalid', reason: 'CloudTrail event: detail.eventID is missing' };
  }
  const dedupKey = eventId ? `cloudtrail:${eventId}` : `eventbridge:${envelope.eventId}`;

  const alert: ParsedAlert = {
    source: 'cloudtrail',
    dedupKey,
    type: record.eventName,
    title: classified.title,
    severity: classified.severity,
    accessKeyIds: [asAccessKeyId(record.userIdentity?.accessKeyId)].filter((k) => k !== undefined),
    buckets: classified.buckets,
    objectKeys: classified.objectKeys,
    observedAt,
    count: 1,
    signals: classified.signals,
  };
  const errorCode = asText(record.errorCode, 128);
  if (errorCode !== undefined) {
    // A refused call destroyed nothing: keep it visible, but it must not start any countdown.
    alert.errorCode = errorCode;
    alert.severity = 'low';
    alert.signals = ['request-failed'];
    alert.title = `Refused (${errorCode}): ${classified.title}`;
  } else if (classified.lifecycle) {
    alert.lifecycle = classified.lifecycle;
  }
  const principal = principalOf(record);
  const region = asRegion(record.awsRegion) ?? envelope.region;
  const sourceIp = asText(record.sourceIPAddress, 128);
  const requestId = asText(record.requestID, 128);
  if (classified.description !== undefined) alert.description = classified.description;
  if (principal !== undefined) alert.principal = principal;
  if (accountId !== undefined) alert.accountId = accountId;
  if (region !== undefined) alert.region = region;
  if (sourceIp !== undefined) alert.sourceIp = sourceIp;
  if (requestId !== undefined) alert.requestId = requestId;
  if (envelope.eventId !== undefined) alert.eventId = envelope.eventId;
  return { kind: 'alert', alert };
}

function classify(record: CloudTrailRecord, accountId: string | undefined): Classified | ParseResult {
  if (record.eventSource === 's3.amazonaws.com') return classifyS3Call(record, accountId);
  if (record.eventSource === 'backup.amazonaws.com') return classifyBackupCall(record);
  return {
    kind: 'ignored',
    reason: `CloudTrail ${record.eventSource} ${record.eventName} is not an attack signal`,
  };
}

function classifyBackupCall(record: CloudTrailRecord): Classified | ParseResult {
  const vault = asText(pick(record.requestParameters, 'backupVaultName'), 256);
  const where = vault ? ` in vault ${vault}` : '';
  if (record.eventName === 'DeleteRecoveryPoint') {
    return backupAlert(`AWS Backup recovery point deleted${where}`);
  }
  if (record.eventName === 'DeleteBackupVault') {
    return backupAlert(`AWS Backup vault deleted${vault ? `: ${vault}` : ''}`);
  }
  return {
    kind: 'ignored',
    reason: `CloudTrail backup.amazonaws.com ${record.eventName} is not an attack signal`,
  };
}

function backupAlert(title: string): Classified {
  return {
    kind: 'classified',
    title,
    severity: 'high',
    signals: ['backup-deleted'],
    buckets: [],
    objectKeys: [],
  };
}

function principalOf(record: CloudTrailRecord): Principal | undefined {
  const identity = record.userIdentity;
  if (!identity) return undefined;
  const principal: Principal = {};
  const type = asText(identity.type, 64);
  const userName = asText(identity.userName ?? identity.sessionContext?.sessionIssuer?.userName, 256);
  const arn = asText(identity.arn, 2048);
  const principalId = asText(identity.principalId, 256);
  const accountId = asAccountId(identity.accountId);
  if (type !== undefined) principal.type = type;
  if (userName !== undefined) principal.userName = userName;
  if (arn !== undefined) principal.arn = arn;
  if (principalId !== undefined) principal.principalId = principalId;
  if (accountId !== undefined) principal.accountId = accountId;
  return Object.keys(principal).length > 0 ? principal : undefined;
}

function ownPrincipal(record: CloudTrailRecord, ignored: string[]): string | undefined {
  const identity = record.userIdentity;
  const candidates = [identity?.arn, identity?.sessionContext?.sessionIssuer?.arn];
  return candidates.find((arn) => arn !== undefined && ignored.includes(arn));
}
