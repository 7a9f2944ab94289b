// Reads the lifecycle configuration CloudTrail records for PutBucketLifecycle. CloudTrail turns
// the request XML into JSON, so one rule is an object and several are an array, and numbers may
// be strings. Only enabled rules count towards the deadlines: a disabled rule destroys nothing.

import type { LifecycleDetails, LifecycleRuleSummary } from './types.ts';
import { asList, asText, isRecord, parseNumber, parseTime, pick } from './values.ts';

export function summarizeLifecycle(configuration: unknown): LifecycleDetails {
  const rules = asList(pick(configuration, 'Rule')).filter(isRecord).map(summarizeRule);
  const enabled = rules.filter((r) => r.enabled);
  const details: LifecycleDetails = { rules };
  const currentDays = minimum(enabled.map((r) => r.expirationDays));
  const noncurrentDays = minimum(enabled.map((r) => r.noncurrentDays));
  const earliestDate = minimum(enabled.map((r) => r.expirationDate?.getTime()));
  if (currentDays !== undefined) details.expireCurrentAfterDays = currentDays;
  if (noncurrentDays !== undefined) details.expireNoncurrentAfterDays = noncurrentDays;
  if (earliestDate !== undefined) details.expireCurrentOn = new Date(earliestDate);
  return details;
}

export function expiresCurrent(details: LifecycleDetails): boolean {
  return details.expireCurrentAfterDays !== undefined || details.expireCurrentOn !== undefined;
}

export function expiresNoncurrent(details: LifecycleDetails): boolean {
  return details.expireNoncurrentAfterDays !== undefined;
}

function summarizeRule(rule: Record<string, unknown>): LifecycleRuleSummary {
  const summary: LifecycleRuleSummary = {
    // S3 requires Status; a rule without one is treated as live so we never under-report.
    enabled: rule['Status'] !== 'Disabled',
  };
  const id = asText(rule['ID'], 255);
  const prefix = rulePrefix(rule);
  const expirationDays = positive(pick(rule, 'Expiration', 'Days'));
  const expirationDate = parseTime(pick(rule, 'Expiration', 'Date'));
  const noncurrentDays = positive(pick(rule, 'NoncurrentVersionExpiration', 'NoncurrentDays'));
  const newer = positive(pick(rule, 'NoncurrentVersionExpiration', 'NewerNoncurrentVersions'));
  if (id !== undefined) summary.id = id;
  if (prefix !== undefined) summary.prefix = prefix;
  if (expirationDays !== undefined) summary.expirationDays = expirationDays;
  if (expirationDate !== undefined) summary.expirationDate = expirationDate;
  if (noncurrentDays !== undefined) summary.noncurrentDays = noncurrentDays;
  if (newer !== undefined) summary.newerNoncurrentVersions = newer;
  return summary;
}

function rulePrefix(rule: Record<string, unknown>): string | undefined {
  const candidates = [pick(rule, 'Filter', 'Prefix'), pick(rule, 'Filter', 'And', 'Prefix'), rule['Prefix']];
  const found = candidates.find((c) => typeof c === 'string');
  return typeof found === 'string' ? found.slice(0, 1024) : undefined;
}

function positive(value: unknown): number | undefined {
  const n = parseNumber(value);
  return n !== undefined && n > 0 ? n : undefined;
}

// A loop rather than Math.min(...values): payloads can hold more rules than a call takes arguments.
function minimum(values: (number | undefined)[]): number | undefined {
  let least: number | undefined;
  for (const value of values)
    if (value !== undefined && (least === undefined || value < least)) least = value;
  return least;
}
