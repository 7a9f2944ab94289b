import { describe, expect, it } from 'vitest';
import { type ParsedAlert, type ParseResult, parseAlert } from '../../../src/alerts/index.ts';
import { loadFixture } from './fixtures.ts';

function alertOf(result: ParseResult): ParsedAlert {
  if (result.kind !== 'alert') throw new Error(`expected an alert, got ${result.kind}: ${result.reason}`);
  return result.alert;
}

describe('parseAlert on the shared fixtures', () => {
  it('CopyObject onto itself with SSE-C is a critical in-place re-encryption', () => {
    const alert = alertOf(parseAlert(loadFixture('eventbridge-cloudtrail-copyobject-ssec.json')));
    expect(alert).toMatchObject({
      source: 'cloudtrail',
      dedupKey: 'cloudtrail:d6a1f4e2-0b7c-4c3e-9f1a-2e5d8c7b6a40',
      type: 'CopyObject',
      severity: 'critical',
      accessKeyIds: ['AKIAEXAMPLEKEY000001'],
      buckets: ['acme-invoices'],
      objectKeys: ['2024/12/invoice-0001.pdf'],
      accountId: '111122223333',
      region: 'us-east-1',
      sourceIp: '203.0.113.45',
      count: 1,
      requestId: '8B9D5C1E2A3F4B6C',
      eventId: '3b4f0a8e-6c1d-4f57-9e2a-8d0c1f5e7a91',
      principal: {
        type: 'IAMUser',
        userName: 'ci-deployer',
        arn: 'arn:aws:iam::111122223333:user/ci-deployer',
        accountId: '111122223333',
      },
    });
    expect(alert.observedAt.toISOString()).toBe('2025-01-13T03:12:45.000Z');
    expect(alert.signals).toEqual(['sse-c-write', 'in-place-copy']);
    expect(alert.lifecycle).toBeUndefined();
  });

  it('PutBucketLifecycle expiring current and noncurrent versions after 7 days is critical', () => {
    const alert = alertOf(parseAlert(loadFixture('eventbridge-cloudtrail-putbucketlifecycle.json')));
    expect(alert).toMatchObject({
      source: 'cloudtrail',
      dedupKey: 'cloudtrail:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      type: 'PutBucketLifecycle',
      severity: 'critical',
      accessKeyIds: ['AKIAEXAMPLEKEY000001'],
      buckets: ['acme-invoices'],
      accountId: '111122223333',
      region: 'us-east-1',
    });
    expect(alert.observedAt.toISOString()).toBe('2025-01-13T03:40:02.000Z');
    expect(alert.signals).toEqual(['lifecycle-expire-current', 'lifecycle-expire-noncurrent']);
    expect(alert.lifecycle).toEqual({
      rules: [{ id: 'cleanup', prefix: '', enabled: true, expirationDays: 7, noncurrentDays: 7 }],
      expireCurrentAfterDays: 7,
      expireNoncurrentAfterDays: 7,
    });
    expect(alert.title).toContain('noncurrent versions after 7 days');
  });

  it('the GuardDuty S3 finding keeps its key, bucket, counts and GuardDuty severity band', () => {
    const alert = alertOf(parseAlert(loadFixture('eventbridge-guardduty-s3-anomalous-write.json')));
    expect(alert).toMatchObject({
      source: 'guardduty',
      dedupKey: 'guardduty:7ec8a1b2c3d4e5f60718293a4b5c6d7e:2025-01-13T03:31:05.512Z:412',
      type: 'Impact:S3/AnomalousBehavior.Write',
      title: 'Unusual write activity on S3 bucket acme-invoices.',
      // GuardDuty scores it 5: the documented 4.0–6.9 band is medium.
      severity: 'medium',
      accessKeyIds: ['AKIAEXAMPLEKEY000001'],
      buckets: ['acme-invoices'],
      accountId: '111122223333',
      region: 'us-east-1',
      count: 412,
      sourceIp: '203.0.113.45',
      findingId: '7ec8a1b2c3d4e5f60718293a4b5c6d7e',
      eventId: 'c8a2d1e0-5b3f-4a6c-9d7e-1f2a3b4c5d6e',
      principal: { userName: 'ci-deployer', type: 'IAMUser', principalId: 'AIDAEXAMPLEPRINCIPAL1' },
    });
    expect(alert.observedAt.toISOString()).toBe('2025-01-13T03:31:05.512Z');
    expect(alert.firstSeen?.toISOString()).toBe('2025-01-13T03:10:58.000Z');
    expect(alert.lastSeen?.toISOString()).toBe('2025-01-13T03:29:41.000Z');
    expect(alert.signals).toEqual(['guardduty-finding', 'anomalous-behavior']);
  });

  it('the SNS-wrapped GuardDuty finding parses to the same alert as the EventBridge one', () => {
    const viaSns = alertOf(parseAlert(loadFixture('sns-notification-guardduty.json')));
    const direct = alertOf(parseAlert(loadFixture('eventbridge-guardduty-s3-anomalous-write.json')));
    expect(viaSns).toEqual(direct);
    expect(viaSns.dedupKey).toBe('guardduty:7ec8a1b2c3d4e5f60718293a4b5c6d7e:2025-01-13T03:31:05.512Z:412');
    expect(viaSns.accessKeyIds).toEqual(['AKIAEXAMPLEKEY000001']);
    expect(viaSns.buckets).toEqual(['acme-invoices']);
  });
});

describe('parseAlert on the variant fixtures', () => {
  it('an attack sequence yields every key and bucket named in the sequence', () => {
    const alert = alertOf(parseAlert(loadFixture('eventbridge-guardduty-attack-sequence.json')));
    expect(alert).toMatchObject({
      source: 'guardduty',
      type: 'AttackSequence:S3/CompromisedData',
      severity: 'critical',
      accountId: '111122223333',
      sourceIp: '203.0.113.45',
      findingId: 'a5c0e9d8b7a6f5e4d3c2b1a098765432',
    });
    expect(alert.accessKeyIds).toEqual(['AKIAEXAMPLEKEY000001', 'ASIAEXAMPLEKEY000002']);
    expect(alert.buckets).toEqual(['acme-invoices', 'acme-payroll']);
    expect(alert.objectKeys).toEqual(['2024/12/payroll.csv']);
    expect(alert.observedAt.toISOString()).toBe('2025-01-13T04:04:37.000Z');
    expect(alert.firstSeen?.toISOString()).toBe('2025-01-13T03:10:58.000Z');
    expect(alert.lastSeen?.toISOString()).toBe('2025-01-13T03:58:12.000Z');
    expect(alert.signals).toContain('attack-sequence');
  });

  it('an IAM credential finding gives the key and no bucket', () => {
    const alert = alertOf(parseAlert(loadFixture('eventbridge-guardduty-iam-exfiltration.json')));
    expect(alert).toMatchObject({
      type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
      severity: 'high',
      accessKeyIds: ['ASIAEXAMPLEKEY000003'],
      buckets: [],
      count: 3,
      sourceIp: '198.51.100.7',
      principal: { userName: 'app-role', type: 'AssumedRole' },
    });
    expect(alert.observedAt.toISOString()).toBe('2025-01-13T02:58:01.000Z');
  });

  it('an EC2 finding is ignored with a reason', () => {
    const result = parseAlert(loadFixture('eventbridge-guardduty-ec2-portprobe.json'));
    expect(result).toEqual({
      kind: 'ignored',
      reason: 'GuardDuty finding type Recon:EC2/PortProbeUnprotectedPort is not about S3 or IAM credentials',
    });
  });

  it('a plain PutObject is ignored with a reason', () => {
    const result = parseAlert(loadFixture('eventbridge-cloudtrail-putobject-plain.json'));
    expect(result).toEqual({
      kind: 'ignored',
      reason: 'PutObject on acme-invoices without SSE-C is not an attack signal',
    });
  });

  it('an SSE-C multipart upload from an assumed role is high, with the role as principal', () => {
    const alert = alertOf(parseAlert(loadFixture('eventbridge-cloudtrail-createmultipartupload-ssec.json')));
    expect(alert).toMatchObject({
      type: 'CreateMultipartUpload',
      severity: 'high',
      accessKeyIds: ['ASIAEXAMPLEKEY000002'],
      buckets: ['acme-payroll'],
      objectKeys: ['exports/2024-full.tar'],
      signals: ['sse-c-write'],
      principal: { type: 'AssumedRole', userName: 'backup-runner' },
    });
    expect(alert.observedAt.toISOString()).toBe('2025-01-13T03:20:09.000Z');
  });

  it('versioning suspended is high', () => {
    const alert = alertOf(
      parseAlert(loadFixture('eventbridge-cloudtrail-putbucketversioning-suspended.json')),
    );
    expect(alert).toMatchObject({
      dedupKey: 'cloudtrail:c0ffee11-2233-4455-8677-8899aabbccdd',
      severity: 'high',
      buckets: ['acme-invoices'],
      signals: ['versioning-suspended'],
    });
    expect(alert.observedAt.toISOString()).toBe('2025-01-13T03:05:17.000Z');
  });

  it('DeleteObjects as CloudTrail logs it (no key list) is a bulk delete', () => {
    const alert = alertOf(parseAlert(loadFixture('eventbridge-cloudtrail-deleteobjects.json')));
    expect(alert).toMatchObject({
      severity: 'high',
      buckets: ['acme-invoices'],
      objectKeys: [],
      signals: ['bulk-delete'],
      accessKeyIds: ['AKIAEXAMPLEKEY000001'],
    });
    expect(alert.observedAt.toISOString()).toBe('2025-01-13T03:45:30.000Z');
  });

  it('a CloudWatch alarm on an S3 metric takes its bucket from the BucketName dimension', () => {
    const alert = alertOf(parseAlert(loadFixture('eventbridge-cloudwatch-alarm.json')));
    expect(alert).toMatchObject({
      source: 'cloudwatch',
      dedupKey: 'cloudwatch:111122223333:us-east-1:acme-invoices-put-spike:2025-01-13T03:25:00.123Z',
      severity: 'high',
      buckets: ['acme-invoices'],
      accessKeyIds: [],
      alarmName: 'acme-invoices-put-spike',
      accountId: '111122223333',
      region: 'us-east-1',
    });
    expect(alert.observedAt.toISOString()).toBe('2025-01-13T03:25:00.123Z');
  });

  it('a CloudWatch alarm published to SNS is mapped to buckets by configuration', () => {
    const payload = loadFixture('sns-notification-cloudwatch-alarm.json');
    expect(parseAlert(payload)).toEqual({
      kind: 'ignored',
      reason: 'CloudWatch alarm s3-ssec-writes is not mapped to any bucket (alarm → buckets configuration)',
    });
    const alert = alertOf(
      parseAlert(payload, { alarmBuckets: { 's3-ssec-writes': ['acme-invoices', 'acme-payroll'] } }),
    );
    expect(alert).toMatchObject({
      source: 'cloudwatch',
      buckets: ['acme-invoices', 'acme-payroll'],
      severity: 'high',
      accountId: '111122223333',
      // The SNS alarm JSON has "US East (N. Virginia)" as Region; the code comes from AlarmArn.
      region: 'us-east-1',
    });
    expect(alert.observedAt.toISOString()).toBe('2025-01-13T03:15:00.456Z');
  });

  it('an SNS subscription confirmation is not an alert', () => {
    expect(parseAlert(loadFixture('sns-subscription-confirmation.json'))).toEqual({
      kind: 'ignored',
      reason: 'SNS SubscriptionConfirmation is not an alert',
    });
  });
});
