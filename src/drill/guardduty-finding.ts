import { randomUUID } from 'node:crypto';

export interface FindingInput {
  accountId: string;
  region: string;
  accessKeyId: string;
  userName: string;
  bucket: string;
  firstSeen: Date;
  lastSeen: Date;
  count: number;
  sourceIp: string;
}

/**
 * A GuardDuty `Impact:S3/AnomalousBehavior.Write` finding as EventBridge delivers it (the
 * documented shape; see test/fixtures/alerts), for the drill to send to the bot's webhook.
 */
export function guardDutyWriteFinding(f: FindingInput): Record<string, unknown> {
  const id = randomUUID().replaceAll('-', '');
  const now = new Date(f.lastSeen.getTime() + 5_000).toISOString();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: f.accountId,
    time: now,
    region: f.region,
    resources: [],
    detail: {
      schemaVersion: '2.0',
      accountId: f.accountId,
      region: f.region,
      partition: 'aws',
      id,
      arn: `arn:aws:guardduty:${f.region}:${f.accountId}:detector/drill/finding/${id}`,
      type: 'Impact:S3/AnomalousBehavior.Write',
      resource: {
        resourceType: 'S3Bucket',
        accessKeyDetails: {
          accessKeyId: f.accessKeyId,
          principalId: 'AIDADRILLPRINCIPAL',
          userName: f.userName,
          userType: 'IAMUser',
        },
        s3BucketDetails: [{ arn: `arn:aws:s3:::${f.bucket}`, name: f.bucket, type: 'Destination' }],
      },
      service: {
        serviceName: 'guardduty',
        detectorId: 'drill',
        action: {
          actionType: 'AWS_API_CALL',
          awsApiCallAction: {
            api: 'CopyObject',
            serviceName: 's3.amazonaws.com',
            callerType: 'Remote IP',
            remoteIpDetails: { ipAddressV4: f.sourceIp },
            affectedResources: { 'AWS::S3::Bucket': f.bucket },
          },
        },
        resourceRole: 'TARGET',
        eventFirstSeen: f.firstSeen.toISOString(),
        eventLastSeen: f.lastSeen.toISOString(),
        archived: false,
        count: f.count,
      },
      severity: 8,
      createdAt: now,
      updatedAt: now,
      title: `Unusual write activity on S3 bucket ${f.bucket}.`,
      description: `CopyObject was invoked with unusual frequency by user ${f.userName} on bucket ${f.bucket}.`,
    },
  };
}
