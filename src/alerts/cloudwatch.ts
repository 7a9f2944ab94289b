// CloudWatch alarms, from EventBridge ("CloudWatch Alarm State Change") or from an alarm action
// that publishes to SNS (AlarmName / NewStateValue / Trigger). Alarms name no bucket themselves,
// so the configured alarm → buckets map decides what they are about, helped by a BucketName
// metric dimension when the alarm watches an S3 metric.

import { z } from 'zod';
import type { EnvelopeContext } from './envelope.ts';
import {
  describeIssues,
  lenientArray,
  optionalObject,
  optionalString,
  optionalTime,
  requiredString,
} from './schema.ts';
import type { ParsedAlert, ParseOptions, ParseResult } from './types.ts';
import { asAccountId, asBucketName, asRegion, asText, isRecord, uniqueDefined } from './values.ts';

interface AlarmChange {
  alarmName: string;
  state: string;
  reason?: string;
  changedAt?: Date;
  accountId?: string;
  region?: string;
  dimensionBuckets: string[];
}

const eventBridgeAlarmSchema = z.object({
  alarmName: requiredString(),
  state: z.object(
    { value: requiredString(), reason: optionalString(), timestamp: optionalTime() },
    { error: (issue) => (issue.input === undefined ? 'is missing' : 'must be an object') },
  ),
  configuration: optionalObject({
    metrics: lenientArray(
      z.object({
        metricStat: optionalObject({
          metric: optionalObject({
            dimensions: z.record(z.string(), z.unknown()).optional().catch(undefined),
          }),
        }),
      }),
    ),
  }),
});

const snsAlarmSchema = z.object({
  AlarmName: requiredString(),
  NewStateValue: requiredString(),
  NewStateReason: optionalString(),
  StateChangeTime: optionalTime(),
  AWSAccountId: optionalString(),
  AlarmArn: optionalString(),
  Trigger: optionalObject({
    Dimensions: lenientArray(z.object({ name: optionalString(), value: optionalString() })),
  }),
});

export function parseEventBridgeAlarm(
  detail: unknown,
  envelope: EnvelopeContext,
  options: ParseOptions,
): ParseResult {
  const parsed = eventBridgeAlarmSchema.safeParse(detail);
  if (!parsed.success) {
    return { kind: 'invalid', reason: describeIssues('CloudWatch alarm', parsed.error, 'detail') };
  }
  const { alarmName, state, configuration } = parsed.data;
  const change: AlarmChange = {
    alarmName,
    state: state.value,
    dimensionBuckets: uniqueDefined(
      (configuration?.metrics ?? []).map((m) =>
        asBucketName(m.metricStat?.metric?.dimensions?.['BucketName']),
      ),
    ),
  };
  const changedAt = state.timestamp ?? envelope.time;
  if (state.reason !== undefined) change.reason = state.reason;
  if (changedAt !== undefined) change.changedAt = changedAt;
  if (envelope.accountId !== undefined) change.accountId = envelope.accountId;
  if (envelope.region !== undefined) change.region = envelope.region;
  return toResult(change, envelope, options, 'detail.state.timestamp');
}

export function isSnsAlarmMessage(payload: Record<string, unknown>): boolean {
  return 'AlarmName' in payload && 'NewStateValue' in payload;
}

export function parseSnsAlarm(payload: unknown, options: ParseOptions): ParseResult {
  const parsed = snsAlarmSchema.safeParse(payload);
  if (!parsed.success)
    return { kind: 'invalid', reason: describeIssues('CloudWatch alarm', parsed.error, '') };
  const alarm = parsed.data;
  // The Region field holds a display name ("US East (N. Virginia)"); the ARN has the code.
  const arn = /^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:/.exec(alarm.AlarmArn ?? '');
  const change: AlarmChange = {
    alarmName: alarm.AlarmName,
    state: alarm.NewStateValue,
    dimensionBuckets: uniqueDefined(
      (alarm.Trigger?.Dimensions ?? [])
        .filter((d) => d.name === 'BucketName')
        .map((d) => asBucketName(d.value)),
    ),
  };
  const accountId = asAccountId(alarm.AWSAccountId) ?? asAccountId(arn?.[2]);
  const region = asRegion(arn?.[1]);
  if (alarm.NewStateReason !== undefined) change.reason = alarm.NewStateReason;
  if (alarm.StateChangeTime !== undefined) change.changedAt = alarm.StateChangeTime;
  if (accountId !== undefined) change.accountId = accountId;
  if (region !== undefined) change.region = region;
  return toResult(change, {}, options, 'StateChangeTime');
}

function toResult(
  change: AlarmChange,
  envelope: EnvelopeContext,
  options: ParseOptions,
  timeField: string,
): ParseResult {
  const name = asText(change.alarmName, 255) ?? '';
  if (change.state !== 'ALARM') {
    return {
      kind: 'ignored',
      reason: `CloudWatch alarm ${name} changed to ${change.state.slice(0, 32)}, not ALARM`,
    };
  }
  const buckets = uniqueDefined([
    ...configuredBuckets(options.alarmBuckets, change.alarmName),
    ...change.dimensionBuckets,
  ]);
  if (buckets.length === 0) {
    return {
      kind: 'ignored',
      reason: `CloudWatch alarm ${name} is not mapped to any bucket (alarm → buckets configuration)`,
    };
  }
  if (!change.changedAt) return { kind: 'invalid', reason: `CloudWatch alarm: ${timeField} is missing` };
  const alert: ParsedAlert = {
    source: 'cloudwatch',
    dedupKey: `cloudwatch:${change.accountId ?? '-'}:${change.region ?? '-'}:${name}:${change.changedAt.toISOString()}`,
    type: 'CloudWatchAlarm',
    title: `CloudWatch alarm ${name} is in ALARM`,
    severity: 'high',
    accessKeyIds: [],
    buckets,
    objectKeys: [],
    observedAt: change.changedAt,
    count: 1,
    signals: ['alarm'],
    alarmName: name,
  };
  const description = asText(change.reason, 1000);
  if (description !== undefined) alert.description = description;
  if (change.accountId !== undefined) alert.accountId = change.accountId;
  if (change.region !== undefined) alert.region = change.region;
  if (envelope.eventId !== undefined) alert.eventId = envelope.eventId;
  return { kind: 'alert', alert };
}

/** Own properties only: an alarm named "constructor" must not reach Object.prototype. */
function configuredBuckets(
  map: Record<string, string[]> | undefined,
  alarmName: string,
): (string | undefined)[] {
  if (!isRecord(map) || !Object.hasOwn(map, alarmName)) return [];
  const buckets: unknown = map[alarmName];
  return Array.isArray(buckets) ? buckets.map(asBucketName) : [];
}
