// The single entry point for alert payloads: recognises the envelope (EventBridge, SNS, a bare
// record), hands the event to its source's parser and never throws, whatever arrives.

import { z } from 'zod';
import { parseCloudTrailEvent } from './cloudtrail.ts';
import { isSnsAlarmMessage, parseEventBridgeAlarm, parseSnsAlarm } from './cloudwatch.ts';
import type { EnvelopeContext } from './envelope.ts';
import { parseGuardDutyFinding } from './guardduty.ts';
import { describeIssues, optionalString, optionalTime, requiredString } from './schema.ts';
import type { ParseOptions, ParseResult } from './types.ts';
import { asAccountId, asRegion, asText, isRecord } from './values.ts';

const eventBridgeSchema = z.object({
  'detail-type': requiredString(),
  source: requiredString(),
  detail: z.record(z.string(), z.unknown(), {
    error: (issue) => (issue.input === undefined ? 'is missing' : 'must be an object'),
  }),
  id: optionalString(),
  account: optionalString(),
  region: optionalString(),
  time: optionalTime(),
});

const UNRECOGNISED =
  'unrecognised payload: expected an EventBridge event (detail-type, source, detail), ' +
  'an SNS notification or a CloudWatch alarm notification';

export function parseAlert(payload: unknown, options: ParseOptions = {}): ParseResult {
  try {
    return dispatch(payload, options, false);
  } catch (error) {
    // Last line of defence for the public endpoint: a parser bug must become a 4xx, not a crash.
    const message = error instanceof Error ? error.message : String(error);
    return { kind: 'invalid', reason: `internal parser error: ${message.slice(0, 200)}` };
  }
}

function dispatch(payload: unknown, options: ParseOptions, insideSns: boolean): ParseResult {
  let value = payload;
  if (typeof value === 'string') {
    const decoded = decodeJson(value);
    if (!decoded.ok) return { kind: 'invalid', reason: 'payload is not valid JSON' };
    value = decoded.value;
  }
  if (!isRecord(value)) return { kind: 'invalid', reason: 'payload must be a JSON object' };
  if (isSnsEnvelope(value)) {
    if (insideSns) return { kind: 'invalid', reason: 'SNS envelope nested inside an SNS envelope' };
    return unwrapSns(value, options);
  }
  if ('detail-type' in value || 'detail' in value) return parseEventBridge(value, options);
  if (isSnsAlarmMessage(value)) return parseSnsAlarm(value, options);
  if ('eventName' in value && 'eventSource' in value) return parseCloudTrailEvent(value, {}, options);
  if ('schemaVersion' in value && 'type' in value && 'resource' in value) {
    return parseGuardDutyFinding(value, {}, options);
  }
  return { kind: 'invalid', reason: UNRECOGNISED };
}

function parseEventBridge(value: Record<string, unknown>, options: ParseOptions): ParseResult {
  const parsed = eventBridgeSchema.safeParse(value);
  if (!parsed.success)
    return { kind: 'invalid', reason: describeIssues('EventBridge event', parsed.error, '') };
  const event = parsed.data;
  const envelope: EnvelopeContext = {};
  const eventId = asText(event.id, 128);
  const accountId = asAccountId(event.account);
  const region = asRegion(event.region);
  if (eventId !== undefined) envelope.eventId = eventId;
  if (accountId !== undefined) envelope.accountId = accountId;
  if (region !== undefined) envelope.region = region;
  if (event.time !== undefined) envelope.time = event.time;
  switch (event['detail-type']) {
    case 'GuardDuty Finding':
      return parseGuardDutyFinding(event.detail, envelope, options);
    case 'AWS API Call via CloudTrail':
      return parseCloudTrailEvent(event.detail, envelope, options);
    case 'CloudWatch Alarm State Change':
      return parseEventBridgeAlarm(event.detail, envelope, options);
    default:
      return {
        kind: 'ignored',
        reason: `EventBridge detail-type "${event['detail-type'].slice(0, 100)}" from ${event.source.slice(0, 100)} is not handled`,
      };
  }
}

function isSnsEnvelope(value: Record<string, unknown>): boolean {
  return (
    typeof value['Type'] === 'string' && 'Message' in value && ('TopicArn' in value || 'MessageId' in value)
  );
}

/** Signature verification is the route's job; here only the payload inside matters. */
function unwrapSns(envelope: Record<string, unknown>, options: ParseOptions): ParseResult {
  const type = envelope['Type'];
  if (type === 'SubscriptionConfirmation' || type === 'UnsubscribeConfirmation') {
    return { kind: 'ignored', reason: `SNS ${type} is not an alert` };
  }
  if (type !== 'Notification') {
    return {
      kind: 'invalid',
      reason: `SNS envelope: Type "${String(type).slice(0, 40)}" is not a known message type`,
    };
  }
  const message = envelope['Message'];
  if (typeof message !== 'string')
    return { kind: 'invalid', reason: 'SNS envelope: Message must be a string' };
  const decoded = decodeJson(message);
  if (!decoded.ok || !isRecord(decoded.value)) {
    return { kind: 'ignored', reason: 'SNS notification carries a message that is not a JSON object' };
  }
  return dispatch(decoded.value, options, true);
}

function decodeJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
