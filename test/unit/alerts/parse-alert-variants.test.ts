import { describe, expect, it } from 'vitest';
import { type ParsedAlert, type ParseResult, parseAlert } from '../../../src/alerts/index.ts';
import { loadFixture } from './fixtures.ts';

type Json = Record<string, unknown>;

function alertOf(result: ParseResult): ParsedAlert {
  if (result.kind !== 'alert') throw new Error(`expected an alert, got ${result.kind}: ${result.reason}`);
  return result.alert;
}

function detailOf(event: Json): Json {
  return event['detail'] as Json;
}

function guardDuty(): Json {
  return loadFixture('eventbridge-guardduty-s3-anomalous-write.json');
}

function copyObject(): Json {
  return loadFixture('eventbridge-cloudtrail-copyobject-ssec.json');
}

function lifecycle(): Json {
  return loadFixture('eventbridge-cloudtrail-putbucketlifecycle.json');
}

function wrapInSns(event: Json): Json {
  const envelope = loadFixture('sns-notification-guardduty.json');
  envelope['Message'] = JSON.stringify(event);
  return envelope;
}

describe('GuardDuty variants', () => {
  it('collects several buckets, deduplicated, from names and ARNs', () => {
    const event = guardDuty();
    const resource = detailOf(event)['resource'] as Json;
    resource['s3BucketDetails'] = [
      { name: 'acme-invoices', arn: 'arn:aws:s3:::acme-invoices' },
      { arn: 'arn:aws:s3:::acme-payroll' },
      { name: 'acme-invoices' },
      {
        name: 'acme-archive',
        s3ObjectDetails: [{ key: 'a/b.txt' }, { objectArn: 'arn:aws:s3:::acme-archive/c.txt' }],
      },
    ];
    const alert = alertOf(parseAlert(event));
    expect(alert.buckets).toEqual(['acme-invoices', 'acme-payroll', 'acme-archive']);
    expect(alert.objectKeys).toEqual(['a/b.txt', 'c.txt']);
  });

  it('reads attack-sequence timestamps given as epoch milliseconds', () => {
    const event = loadFixture('eventbridge-guardduty-attack-sequence.json');
    const service = detailOf(event)['service'] as Json;
    delete service['eventFirstSeen'];
    delete service['eventLastSeen'];
    const sequence = (service['detection'] as Json)['sequence'] as Json;
    sequence['signals'] = [
      {
        uid: 's1',
        firstSeenAt: Date.parse('2025-01-13T03:00:00Z'),
        lastSeenAt: Date.parse('2025-01-13T03:30:00Z'),
      },
      { uid: 's2', firstSeenAt: '2025-01-13T03:10:00Z', lastSeenAt: '2025-01-13T03:59:00Z' },
    ];
    const alert = alertOf(parseAlert(event));
    expect(alert.firstSeen?.toISOString()).toBe('2025-01-13T03:00:00.000Z');
    expect(alert.lastSeen?.toISOString()).toBe('2025-01-13T03:59:00.000Z');
  });

  it('drops values that are not access key ids instead of acting on them', () => {
    const event = guardDuty();
    const details = (detailOf(event)['resource'] as Json)['accessKeyDetails'] as Json;
    details['accessKeyId'] = 'not a key; rm -rf /';
    expect(alertOf(parseAlert(event)).accessKeyIds).toEqual([]);
  });

  it('tolerates malformed optional fields and unknown fields', () => {
    const event = guardDuty();
    const detail = detailOf(event);
    (detail['service'] as Json)['count'] = 'lots';
    (detail['resource'] as Json)['s3BucketDetails'] = 'not a list';
    detail['somethingNew'] = { nested: [1, 2, 3] };
    event['extra'] = true;
    const alert = alertOf(parseAlert(event));
    expect(alert.count).toBe(1);
    // Still found through service.action.awsApiCallAction.affectedResources.
    expect(alert.buckets).toEqual(['acme-invoices']);
  });

  it.each([
    ['id', 'GuardDuty finding: detail.id is missing'],
    ['type', 'GuardDuty finding: detail.type is missing'],
    ['severity', 'GuardDuty finding: detail.severity is missing'],
  ])('names the missing field %s', (field, reason) => {
    const event = guardDuty();
    delete detailOf(event)[field];
    expect(parseAlert(event)).toEqual({ kind: 'invalid', reason });
  });

  it('explains a wrongly typed required field', () => {
    const event = guardDuty();
    detailOf(event)['severity'] = 'very';
    expect(parseAlert(event)).toEqual({
      kind: 'invalid',
      reason: 'GuardDuty finding: detail.severity must be a number',
    });
  });

  it('falls back from updatedAt to createdAt to the EventBridge time, and fails only without any', () => {
    const event = guardDuty();
    delete detailOf(event)['updatedAt'];
    detailOf(event)['createdAt'] = '2025-01-13T03:30:00.000Z';
    expect(alertOf(parseAlert(event)).observedAt.toISOString()).toBe('2025-01-13T03:30:00.000Z');
    delete detailOf(event)['createdAt'];
    expect(alertOf(parseAlert(event)).observedAt.toISOString()).toBe('2025-01-13T03:31:10.000Z');
    delete event['time'];
    expect(parseAlert(event)).toEqual({
      kind: 'invalid',
      reason: 'GuardDuty finding: detail.updatedAt is missing',
    });
  });

  it('changes the dedup key when GuardDuty updates the finding', () => {
    const first = alertOf(parseAlert(guardDuty()));
    const updated = guardDuty();
    detailOf(updated)['updatedAt'] = '2025-01-13T03:46:00.000Z';
    (detailOf(updated)['service'] as Json)['count'] = 980;
    const second = alertOf(parseAlert(updated));
    expect(second.dedupKey).not.toBe(first.dedupKey);
    expect(second.findingId).toBe(first.findingId);
  });

  it('ignores archived findings, and sample findings unless asked for', () => {
    const archived = guardDuty();
    (detailOf(archived)['service'] as Json)['archived'] = true;
    expect(parseAlert(archived).kind).toBe('ignored');

    const sample = guardDuty();
    (detailOf(sample)['service'] as Json)['additionalInfo'] = { value: '{"sample":true}', type: 'default' };
    expect(parseAlert(sample)).toEqual({
      kind: 'ignored',
      reason: 'GuardDuty finding 7ec8a1b2c3d4e5f60718293a4b5c6d7e is a sample finding',
    });
    expect(parseAlert(sample, { acceptSampleFindings: true }).kind).toBe('alert');
  });

  it('marks delete findings as bulk deletes', () => {
    const event = guardDuty();
    detailOf(event)['type'] = 'Impact:S3/AnomalousBehavior.Delete';
    expect(alertOf(parseAlert(event)).signals).toContain('bulk-delete');
  });

  it('a sparse finding keeps every field it does have', () => {
    const alert = alertOf(
      parseAlert({
        schemaVersion: '2.0',
        id: 'f00d',
        type: 'Impact:S3/AnomalousBehavior.Write',
        severity: 7,
        updatedAt: '2025-01-13T05:00:00Z',
        resource: { s3BucketDetails: [{ name: 'acme-invoices' }] },
        service: { count: 7, eventLastSeen: '2025-01-13T04:59:00Z' },
      }),
    );
    expect(alert).toMatchObject({ severity: 'high', count: 7, buckets: ['acme-invoices'], accessKeyIds: [] });
    expect(alert.lastSeen?.toISOString()).toBe('2025-01-13T04:59:00.000Z');
  });

  it('accepts a bare finding without the EventBridge envelope', () => {
    const alert = alertOf(parseAlert(detailOf(guardDuty())));
    expect(alert.accessKeyIds).toEqual(['AKIAEXAMPLEKEY000001']);
    expect(alert.eventId).toBeUndefined();
  });
});

describe('CloudTrail write variants', () => {
  it('a PutObject with SSE-C is high, not in place', () => {
    const event = copyObject();
    const detail = detailOf(event);
    detail['eventName'] = 'PutObject';
    delete (detail['requestParameters'] as Json)['x-amz-copy-source'];
    const alert = alertOf(parseAlert(event));
    expect(alert.severity).toBe('high');
    expect(alert.signals).toEqual(['sse-c-write']);
    expect(alert.title).toBe('SSE-C write (PutObject)');
  });

  it('a CopyObject with SSE-C onto another key is high', () => {
    const event = copyObject();
    ((detailOf(event)['requestParameters'] as Json)['x-amz-copy-source'] as unknown) =
      'acme-invoices/other.pdf';
    const alert = alertOf(parseAlert(event));
    expect(alert.severity).toBe('high');
    expect(alert.signals).toEqual(['sse-c-write']);
  });

  it('recognises an in-place copy whose source is URL-encoded, slash-prefixed and versioned', () => {
    const event = copyObject();
    const params = detailOf(event)['requestParameters'] as Json;
    params['key'] = 'reports/Q4 summary.pdf';
    params['x-amz-copy-source'] = '/acme-invoices/reports%2FQ4%20summary.pdf?versionId=abc123';
    const alert = alertOf(parseAlert(event));
    expect(alert.severity).toBe('critical');
    expect(alert.signals).toContain('in-place-copy');
  });

  it('detects SSE-C from additionalEventData.SSEApplied alone', () => {
    const event = copyObject();
    delete (detailOf(event)['requestParameters'] as Json)['x-amz-server-side-encryption-customer-algorithm'];
    expect(alertOf(parseAlert(event)).signals).toContain('sse-c-write');
  });

  it('flags a write encrypted with another account’s KMS key, not one with our own', () => {
    const event = copyObject();
    const detail = detailOf(event);
    const params = detail['requestParameters'] as Json;
    delete params['x-amz-server-side-encryption-customer-algorithm'];
    delete (detail['additionalEventData'] as Json)['SSEApplied'];
    params['x-amz-server-side-encryption'] = 'aws:kms';
    params['x-amz-server-side-encryption-aws-kms-key-id'] =
      'arn:aws:kms:us-east-1:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const alert = alertOf(parseAlert(event));
    expect(alert.signals).toEqual(['foreign-kms-write']);
    expect(alert.severity).toBe('high');

    params['x-amz-server-side-encryption-aws-kms-key-id'] =
      'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(parseAlert(event).kind).toBe('ignored');
  });

  it('a refused call is low severity and carries no damage signal', () => {
    const event = lifecycle();
    detailOf(event)['errorCode'] = 'AccessDenied';
    detailOf(event)['errorMessage'] = 'Access Denied';
    const alert = alertOf(parseAlert(event));
    expect(alert.severity).toBe('low');
    expect(alert.signals).toEqual(['request-failed']);
    expect(alert.errorCode).toBe('AccessDenied');
    expect(alert.lifecycle).toBeUndefined();
    expect(alert.buckets).toEqual(['acme-invoices']);
  });

  it('ignores the bot’s own calls', () => {
    const event = lifecycle();
    const result = parseAlert(event, { ignorePrincipalArns: ['arn:aws:iam::111122223333:user/ci-deployer'] });
    expect(result).toEqual({
      kind: 'ignored',
      reason:
        "PutBucketLifecycle was made by the bot's own principal arn:aws:iam::111122223333:user/ci-deployer",
    });
  });

  it('takes the bucket from resources when requestParameters lacks it, and says so when both lack it', () => {
    const event = copyObject();
    delete (detailOf(event)['requestParameters'] as Json)['bucketName'];
    expect(alertOf(parseAlert(event)).buckets).toEqual(['acme-invoices']);
    delete detailOf(event)['resources'];
    expect(parseAlert(event)).toEqual({
      kind: 'invalid',
      reason: 'CloudTrail CopyObject: detail.requestParameters.bucketName is missing',
    });
  });

  it('a sparse record with only the essentials is enough', () => {
    const alert = alertOf(
      parseAlert({
        eventName: 'DeleteObjects',
        eventSource: 's3.amazonaws.com',
        eventID: 'e-1',
        eventTime: '2025-01-13T05:00:00Z',
        resources: [{ type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::acme-invoices' }],
      }),
    );
    expect(alert).toMatchObject({ dedupKey: 'cloudtrail:e-1', buckets: ['acme-invoices'], accessKeyIds: [] });
    expect(alert.principal).toBeUndefined();
  });

  it('names a missing eventName', () => {
    const event = copyObject();
    delete detailOf(event)['eventName'];
    expect(parseAlert(event)).toEqual({
      kind: 'invalid',
      reason: 'CloudTrail event: detail.eventName is missing',
    });
  });

  it('falls back to the EventBridge id and time when the record lacks eventID and eventTime', () => {
    const event = copyObject();
    delete detailOf(event)['eventID'];
    delete detailOf(event)['eventTime'];
    event['time'] = '2025-01-13T03:12:46Z';
    const alert = alertOf(parseAlert(event));
    expect(alert.dedupKey).toBe('eventbridge:3b4f0a8e-6c1d-4f57-9e2a-8d0c1f5e7a91');
    expect(alert.observedAt.toISOString()).toBe('2025-01-13T03:12:46.000Z');
    delete event['id'];
    expect(parseAlert(event)).toEqual({
      kind: 'invalid',
      reason: 'CloudTrail event: detail.eventID is missing',
    });
  });

  it('the same CloudTrail event keeps its dedup key through SNS and as a bare record', () => {
    const direct = alertOf(parseAlert(copyObject()));
    const viaSns = alertOf(parseAlert(wrapInSns(copyObject())));
    const bare = alertOf(parseAlert(detailOf(copyObject())));
    expect(viaSns.dedupKey).toBe(direct.dedupKey);
    expect(bare.dedupKey).toBe(direct.dedupKey);
  });

  it('ignores calls that are not attack steps', () => {
    const event = copyObject();
    detailOf(event)['eventName'] = 'GetObject';
    expect(parseAlert(event)).toEqual({
      kind: 'ignored',
      reason: 'CloudTrail s3.amazonaws.com GetObject is not an attack signal',
    });
    detailOf(event)['eventSource'] = 'ec2.amazonaws.com';
    detailOf(event)['eventName'] = 'RunInstances';
    expect(parseAlert(event).kind).toBe('ignored');
  });
});

describe('CloudTrail bucket configuration variants', () => {
  function withRules(rules: unknown): Json {
    const event = lifecycle();
    const params = detailOf(event)['requestParameters'] as Json;
    (params['LifecycleConfiguration'] as Json)['Rule'] = rules;
    return event;
  }

  it('expiring only current versions after 90 days is medium', () => {
    const alert = alertOf(parseAlert(withRules({ ID: 'r', Status: 'Enabled', Expiration: { Days: '90' } })));
    expect(alert.severity).toBe('medium');
    expect(alert.signals).toEqual(['lifecycle-expire-current']);
    expect(alert.lifecycle?.expireCurrentAfterDays).toBe(90);
  });

  it('noncurrent expiration beyond 30 days is high; the shortest enabled rule sets the clock', () => {
    const alert = alertOf(
      parseAlert(
        withRules([
          { ID: 'long', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 90 } },
          { ID: 'short-but-off', Status: 'Disabled', NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
          { ID: 'mid', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: '60' } },
        ]),
      ),
    );
    expect(alert.severity).toBe('high');
    expect(alert.lifecycle?.expireNoncurrentAfterDays).toBe(60);
    expect(alert.lifecycle?.rules).toHaveLength(3);
  });

  it('a configuration with only disabled or non-expiring rules is ignored', () => {
    const result = parseAlert(
      withRules([
        { ID: 'off', Status: 'Disabled', Expiration: { Days: 1 } },
        { ID: 'archive', Status: 'Enabled', Transition: { Days: 30, StorageClass: 'GLACIER' } },
      ]),
    );
    expect(result).toEqual({
      kind: 'ignored',
      reason: 'lifecycle configuration for acme-invoices has no enabled expiration rule',
    });
  });

  it('names a missing LifecycleConfiguration', () => {
    const event = lifecycle();
    delete (detailOf(event)['requestParameters'] as Json)['LifecycleConfiguration'];
    expect(parseAlert(event)).toEqual({
      kind: 'invalid',
      reason: 'CloudTrail PutBucketLifecycle: detail.requestParameters.LifecycleConfiguration is missing',
    });
  });

  it('versioning set to Enabled is ignored; a missing status is invalid', () => {
    const event = loadFixture('eventbridge-cloudtrail-putbucketversioning-suspended.json');
    const config = (detailOf(event)['requestParameters'] as Json)['VersioningConfiguration'] as Json;
    config['Status'] = 'Enabled';
    expect(parseAlert(event).kind).toBe('ignored');
    delete config['Status'];
    expect(parseAlert(event)).toEqual({
      kind: 'invalid',
      reason:
        'CloudTrail PutBucketVersioning: detail.requestParameters.VersioningConfiguration.Status is missing',
    });
  });

  it('DeleteObjects keeps a sample of keys when the request body was recorded', () => {
    const event = loadFixture('eventbridge-cloudtrail-deleteobjects.json');
    const keys = Array.from({ length: 50 }, (_, i) => ({ Key: `data/file-${i}.csv` }));
    (detailOf(event)['requestParameters'] as Json)['delete'] = { Object: keys, Quiet: true };
    const alert = alertOf(parseAlert(event));
    expect(alert.objectKeys).toHaveLength(20);
    expect(alert.objectKeys[0]).toBe('data/file-0.csv');
  });

  it('AWS Backup recovery point deletion is high, correlated by key', () => {
    const event = copyObject();
    const detail = detailOf(event);
    detail['eventSource'] = 'backup.amazonaws.com';
    detail['eventName'] = 'DeleteRecoveryPoint';
    detail['requestParameters'] = {
      backupVaultName: 'Default',
      recoveryPointArn: 'arn:aws:backup:us-east-1:111122223333:recovery-point:acme-invoices-20250112',
    };
    const alert = alertOf(parseAlert(event));
    expect(alert).toMatchObject({
      severity: 'high',
      signals: ['backup-deleted'],
      buckets: [],
      accessKeyIds: ['AKIAEXAMPLEKEY000001'],
      title: 'AWS Backup recovery point deleted in vault Default',
    });
  });
});

describe('CloudWatch alarm variants', () => {
  function alarm(state: string): Json {
    const event = loadFixture('eventbridge-cloudwatch-alarm.json');
    ((detailOf(event)['state'] as Json)['value'] as unknown) = state;
    return event;
  }

  it.each(['OK', 'INSUFFICIENT_DATA'])('state %s is ignored', (state) => {
    const result = parseAlert(alarm(state));
    expect(result).toEqual({
      kind: 'ignored',
      reason: `CloudWatch alarm acme-invoices-put-spike changed to ${state}, not ALARM`,
    });
  });

  it('merges configured buckets with the metric dimension', () => {
    const alert = alertOf(
      parseAlert(alarm('ALARM'), {
        alarmBuckets: { 'acme-invoices-put-spike': ['acme-payroll', 'acme-invoices'] },
      }),
    );
    expect(alert.buckets).toEqual(['acme-payroll', 'acme-invoices']);
  });

  it('an alarm named like an Object.prototype property does not reach the prototype', () => {
    const event = alarm('ALARM');
    const detail = detailOf(event);
    detail['alarmName'] = 'constructor';
    delete detail['configuration'];
    expect(parseAlert(event, { alarmBuckets: {} }).kind).toBe('ignored');
  });

  it('names a missing state', () => {
    const event = alarm('ALARM');
    delete detailOf(event)['state'];
    expect(parseAlert(event)).toEqual({
      kind: 'invalid',
      reason: 'CloudWatch alarm: detail.state is missing',
    });
  });
});

describe('envelopes', () => {
  it('accepts the payload as JSON text', () => {
    const text = JSON.stringify(copyObject());
    expect(alertOf(parseAlert(text)).dedupKey).toBe('cloudtrail:d6a1f4e2-0b7c-4c3e-9f1a-2e5d8c7b6a40');
  });

  it.each([
    ['{not json', 'payload is not valid JSON'],
    [[1, 2], 'payload must be a JSON object'],
    [null, 'payload must be a JSON object'],
    [42, 'payload must be a JSON object'],
  ])('refuses %j', (payload, reason) => {
    expect(parseAlert(payload)).toEqual({ kind: 'invalid', reason });
  });

  it('refuses an object of unknown shape', () => {
    const result = parseAlert({ hello: 'world' });
    expect(result.kind).toBe('invalid');
    expect(result.kind !== 'alert' && result.reason).toContain('unrecognised payload');
  });

  it('names what an EventBridge event lacks', () => {
    const event = copyObject();
    delete event['detail-type'];
    expect(parseAlert(event)).toEqual({
      kind: 'invalid',
      reason: 'EventBridge event: detail-type is missing',
    });
    const noDetail = copyObject();
    noDetail['detail'] = 'oops';
    expect(parseAlert(noDetail)).toEqual({
      kind: 'invalid',
      reason: 'EventBridge event: detail must be an object',
    });
  });

  it('ignores EventBridge events it does not handle', () => {
    const event = copyObject();
    event['detail-type'] = 'Object Created';
    expect(parseAlert(event)).toEqual({
      kind: 'ignored',
      reason: 'EventBridge detail-type "Object Created" from aws.s3 is not handled',
    });
  });

  it('ignores SNS notifications whose message is not JSON, and refuses nested SNS envelopes', () => {
    const plain = loadFixture('sns-notification-guardduty.json');
    plain['Message'] = 'Hello from the test topic';
    expect(parseAlert(plain).kind).toBe('ignored');
    const nested = wrapInSns(loadFixture('sns-notification-guardduty.json'));
    expect(parseAlert(nested)).toEqual({
      kind: 'invalid',
      reason: 'SNS envelope nested inside an SNS envelope',
    });
  });
});
