// GuardDuty findings (the `detail` of a "GuardDuty Finding" event). Classic findings name the
// key in resource.accessKeyDetails and buckets in resource.s3BucketDetails; attack sequences
// (Extended Threat Detection) spread several keys and buckets over
// service.detection.sequence.{actors,resources,endpoints,signals}.

import { z } from 'zod';
import type { EnvelopeContext } from './envelope.ts';
import {
  anyValue,
  describeIssues,
  lenientArray,
  optionalNumber,
  optionalObject,
  optionalString,
  optionalTime,
  requiredNumber,
  requiredString,
} from './schema.ts';
import { guardDutySeverity } from './severity.ts';
import type { AlertSignal, ParsedAlert, ParseOptions, ParseResult, Principal } from './types.ts';
import {
  asAccessKeyId,
  asAccountId,
  asBucketName,
  asRegion,
  asText,
  isRecord,
  sampleObjectKeys,
  splitObjectArn,
  uniqueDefined,
} from './values.ts';

const RELEVANT_TYPE = /(:S3\/|:IAMUser\/|^AttackSequence:(S3|IAM)\/)/;
const RELEVANT_RESOURCE = new Set(['S3Bucket', 'S3Object', 'AccessKey']);
const DELETE_TYPE = /AnomalousBehavior\.Delete|Impact:S3\/.*Delete/;
const DELETE_APIS = new Set(['DeleteObjects', 'DeleteObject']);

const sequenceSchema = z.object({
  uid: optionalString(),
  description: optionalString(),
  actors: lenientArray(
    z.object({
      id: optionalString(),
      user: optionalObject({
        name: optionalString(),
        uid: optionalString(),
        type: optionalString(),
        credentialUid: optionalString(),
        account: optionalObject({ uid: optionalString() }),
      }),
    }),
  ),
  resources: lenientArray(
    z.object({
      uid: optionalString(),
      name: optionalString(),
      resourceType: optionalString(),
      accountId: optionalString(),
      region: optionalString(),
      data: optionalObject({
        s3Object: optionalObject({ key: optionalString() }),
      }),
    }),
  ),
  endpoints: lenientArray(z.object({ ip: optionalString() })),
  signals: lenientArray(
    z.object({ firstSeenAt: optionalTime(), lastSeenAt: optionalTime(), count: optionalNumber() }),
  ),
});

const findingSchema = z.object({
  id: requiredString(),
  type: requiredString(),
  severity: requiredNumber(),
  accountId: optionalString(),
  region: optionalString(),
  title: optionalString(),
  description: optionalString(),
  createdAt: optionalTime(),
  updatedAt: optionalTime(),
  resource: optionalObject({
    resourceType: optionalString(),
    accessKeyDetails: optionalObject({
      accessKeyId: optionalString(),
      principalId: optionalString(),
      userName: optionalString(),
      userType: optionalString(),
    }),
    s3BucketDetails: lenientArray(
      z.object({
        name: optionalString(),
        arn: optionalString(),
        s3ObjectDetails: lenientArray(z.object({ key: optionalString(), objectArn: optionalString() })),
      }),
    ),
  }),
  service: optionalObject({
    archived: z.boolean().optional().catch(undefined),
    count: optionalNumber(),
    eventFirstSeen: optionalTime(),
    eventLastSeen: optionalTime(),
    additionalInfo: anyValue(),
    action: optionalObject({
      awsApiCallAction: optionalObject({
        api: optionalString(),
        remoteIpDetails: optionalObject({ ipAddressV4: optionalString(), ipAddressV6: optionalString() }),
        affectedResources: z.record(z.string(), z.unknown()).optional().catch(undefined),
      }),
    }),
    detection: optionalObject({ sequence: sequenceSchema.optional().catch(undefined) }),
  }),
});

type Finding = z.output<typeof findingSchema>;
type Sequence = z.output<typeof sequenceSchema>;

export function parseGuardDutyFinding(
  detail: unknown,
  envelope: EnvelopeContext,
  options: ParseOptions,
): ParseResult {
  const parsed = findingSchema.safeParse(detail);
  if (!parsed.success) {
    return { kind: 'invalid', reason: describeIssues('GuardDuty finding', parsed.error, 'detail') };
  }
  const finding = parsed.data;
  const resourceType = finding.resource?.resourceType;
  if (!RELEVANT_TYPE.test(finding.type) && !(resourceType && RELEVANT_RESOURCE.has(resourceType))) {
    return {
      kind: 'ignored',
      reason: `GuardDuty finding type ${finding.type} is not about S3 or IAM credentials`,
    };
  }
  if (finding.service?.archived === true) {
    return { kind: 'ignored', reason: `GuardDuty finding ${finding.id} is archived (suppressed)` };
  }
  if (isSample(finding.service?.additionalInfo) && !options.acceptSampleFindings) {
    return { kind: 'ignored', reason: `GuardDuty finding ${finding.id} is a sample finding` };
  }
  const observedAt = finding.updatedAt ?? finding.createdAt ?? envelope.time;
  if (!observedAt) {
    return { kind: 'invalid', reason: 'GuardDuty finding: detail.updatedAt is missing' };
  }
  return { kind: 'alert', alert: toAlert(finding, observedAt, envelope) };
}

function toAlert(finding: Finding, observedAt: Date, envelope: EnvelopeContext): ParsedAlert {
  const sequence = finding.service?.detection?.sequence;
  const accessKeyDetails = finding.resource?.accessKeyDetails;
  const count = Math.max(1, Math.floor(finding.service?.count ?? 1));
  const seen = seenRange(finding, sequence);
  const alert: ParsedAlert = {
    source: 'guardduty',
    dedupKey: `guardduty:${finding.id.slice(0, 256)}:${observedAt.toISOString()}:${count}`,
    type: finding.type,
    title: asText(finding.title, 300) ?? finding.type,
    severity: guardDutySeverity(finding.severity),
    accessKeyIds: uniqueDefined([
      asAccessKeyId(accessKeyDetails?.accessKeyId),
      ...(sequence?.actors ?? []).map((a) => asAccessKeyId(a.user?.credentialUid)),
      ...(sequence?.resources ?? [])
        .filter((r) => r.resourceType === 'ACCESS_KEY')
        .map((r) => asAccessKeyId(r.uid)),
    ]),
    buckets: bucketsOf(finding, sequence),
    objectKeys: objectKeysOf(finding, sequence),
    observedAt,
    count,
    signals: signalsOf(finding),
    findingId: finding.id,
  };
  const description = asText(finding.description, 2000) ?? asText(sequence?.description, 2000);
  const principal = principalOf(finding, sequence);
  const accountId = asAccountId(finding.accountId) ?? envelope.accountId;
  const region = asRegion(finding.region) ?? envelope.region;
  const sourceIp = asText(
    finding.service?.action?.awsApiCallAction?.remoteIpDetails?.ipAddressV4 ??
      finding.service?.action?.awsApiCallAction?.remoteIpDetails?.ipAddressV6 ??
      sequence?.endpoints.find((e) => e.ip)?.ip,
    64,
  );
  if (description !== undefined) alert.description = description;
  if (principal !== undefined) alert.principal = principal;
  if (accountId !== undefined) alert.accountId = accountId;
  if (region !== undefined) alert.region = region;
  if (sourceIp !== undefined) alert.sourceIp = sourceIp;
  if (seen.first) alert.firstSeen = seen.first;
  if (seen.last) alert.lastSeen = seen.last;
  if (envelope.eventId !== undefined) alert.eventId = envelope.eventId;
  return alert;
}

function bucketsOf(finding: Finding, sequence: Sequence | undefined): string[] {
  const affected = finding.service?.action?.awsApiCallAction?.affectedResources?.['AWS::S3::Bucket'];
  return uniqueDefined([
    ...(finding.resource?.s3BucketDetails ?? []).map((b) => asBucketName(b.name) ?? asBucketName(b.arn)),
    ...(sequence?.resources ?? []).flatMap((r) => {
      if (r.resourceType === 'S3_BUCKET') return [asBucketName(r.name) ?? asBucketName(r.uid)];
      if (r.resourceType === 'S3_OBJECT') return [splitObjectArn(r.uid)?.bucket];
      return [];
    }),
    asBucketName(affected),
  ]);
}

function objectKeysOf(finding: Finding, sequence: Sequence | undefined): string[] {
  return sampleObjectKeys([
    ...(finding.resource?.s3BucketDetails ?? []).flatMap((b) =>
      b.s3ObjectDetails.map((o) => o.key ?? splitObjectArn(o.objectArn)?.key),
    ),
    ...(sequence?.resources ?? [])
      .filter((r) => r.resourceType === 'S3_OBJECT')
      .map((r) => r.data?.s3Object?.key ?? splitObjectArn(r.uid)?.key),
  ]);
}

function principalOf(finding: Finding, sequence: Sequence | undefined): Principal | undefined {
  const details = finding.resource?.accessKeyDetails;
  const actor = sequence?.actors.find((a) => a.user)?.user;
  const principal: Principal = {};
  const type = asText(details?.userType ?? actor?.type, 64);
  const userName = asText(details?.userName ?? actor?.name, 256);
  const principalId = asText(details?.principalId ?? actor?.uid, 256);
  const accountId = asAccountId(actor?.account?.uid);
  if (type !== undefined) principal.type = type;
  if (userName !== undefined) principal.userName = userName;
  if (principalId !== undefined) principal.principalId = principalId;
  if (accountId !== undefined) principal.accountId = accountId;
  return Object.keys(principal).length > 0 ? principal : undefined;
}

function seenRange(finding: Finding, sequence: Sequence | undefined): { first?: Date; last?: Date } {
  const firsts = [finding.service?.eventFirstSeen, ...(sequence?.signals ?? []).map((s) => s.firstSeenAt)];
  const lasts = [finding.service?.eventLastSeen, ...(sequence?.signals ?? []).map((s) => s.lastSeenAt)];
  const range: { first?: Date; last?: Date } = {};
  const first = extreme(firsts, 'earliest');
  const last = extreme(lasts, 'latest');
  if (first) range.first = first;
  if (last) range.last = last;
  return range;
}

// A loop rather than Math.min(...times): a hostile payload can hold more entries than a call
// can take arguments.
function extreme(dates: (Date | undefined)[], which: 'earliest' | 'latest'): Date | undefined {
  let best: number | undefined;
  for (const date of dates) {
    if (!date) continue;
    const time = date.getTime();
    if (best === undefined || (which === 'earliest' ? time < best : time > best)) best = time;
  }
  return best === undefined ? undefined : new Date(best);
}

function signalsOf(finding: Finding): AlertSignal[] {
  const signals: AlertSignal[] = ['guardduty-finding'];
  const api = finding.service?.action?.awsApiCallAction?.api;
  if (finding.type.startsWith('AttackSequence:')) signals.push('attack-sequence');
  if (finding.type.includes('MaliciousIPCaller')) signals.push('malicious-ip');
  if (finding.type.includes('AnomalousBehavior')) signals.push('anomalous-behavior');
  if (DELETE_TYPE.test(finding.type) || (api !== undefined && DELETE_APIS.has(api)))
    signals.push('bulk-delete');
  return signals;
}

/** The console's "generate sample findings" marks them in additionalInfo, sometimes as JSON text. */
function isSample(additionalInfo: unknown): boolean {
  if (!isRecord(additionalInfo)) return false;
  if (additionalInfo['sample'] === true) return true;
  const value = additionalInfo['value'];
  if (typeof value !== 'string' || !value.includes('sample')) return false;
  try {
    const decoded: unknown = JSON.parse(value);
    return isRecord(decoded) && decoded['sample'] === true;
  } catch {
    return false;
  }
}
