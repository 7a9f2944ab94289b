// Sanitisers for the identifiers an alert carries. Values end up in AWS API calls and Slack
// messages, and failed requests let a caller put anything into a CloudTrail record, so only
// values shaped like the real thing are kept.

const ACCESS_KEY_ID = /^\w{16,128}$/; // IAM AccessKeyId: [\w]+, 16 to 128 characters
const BUCKET_NAME = /^[A-Za-z0-9._-]{1,255}$/; // includes legacy us-east-1 names
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z0-9-]{1,32}$/;
const MAX_OBJECT_KEYS = 20;
const MAX_OBJECT_KEY_LENGTH = 1024;
const MAX_TEXT = 2048;

export function asAccessKeyId(value: unknown): string | undefined {
  return typeof value === 'string' && ACCESS_KEY_ID.test(value) ? value : undefined;
}

export function asAccountId(value: unknown): string | undefined {
  return typeof value === 'string' && ACCOUNT_ID.test(value) ? value : undefined;
}

export function asRegion(value: unknown): string | undefined {
  return typeof value === 'string' && REGION.test(value) ? value : undefined;
}

/** Accepts a bucket name or a bucket ARN (`arn:aws:s3:::name`). */
export function asBucketName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const name = value.replace(/^arn:aws[a-z-]*:s3:::/, '');
  return BUCKET_NAME.test(name) ? name : undefined;
}

/** Splits `arn:aws:s3:::bucket/key` into its parts; undefined when it is not an object ARN. */
export function splitObjectArn(value: unknown): { bucket: string; key: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^arn:aws[a-z-]*:s3:::([^/]+)\/(.+)$/s.exec(value);
  const bucket = asBucketName(match?.[1]);
  const key = match?.[2];
  return bucket && key ? { bucket, key } : undefined;
}

/** Free text (names, ARNs, IPs, titles): non-empty strings, bounded in length. */
export function asText(value: unknown, max = MAX_TEXT): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;
}

export function uniqueDefined<T>(values: Iterable<T | undefined>): T[] {
  const out = new Set<T>();
  for (const value of values) if (value !== undefined) out.add(value);
  return [...out];
}

export function sampleObjectKeys(keys: Iterable<unknown>): string[] {
  const out: string[] = [];
  for (const key of keys) {
    if (typeof key !== 'string' || key === '' || key.length > MAX_OBJECT_KEY_LENGTH) continue;
    if (!out.includes(key)) out.push(key);
    if (out.length >= MAX_OBJECT_KEYS) break;
  }
  return out;
}

/**
 * Timestamps arrive as ISO 8601 (CloudWatch writes `+0000` offsets that not every parser takes),
 * or as epoch seconds or milliseconds (GuardDuty API shapes).
 */
export function parseTime(value: unknown): Date | undefined {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return undefined;
    ms = value < 1e11 ? value * 1000 : value;
  } else if (typeof value === 'string') {
    const trimmed = value.trim();
    if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return undefined;
    ms = Date.parse(trimmed.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  } else {
    return undefined;
  }
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Numbers that XML-to-JSON conversion may have turned into strings ("7"). */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** XML-derived JSON holds one element as an object and several as an array. */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** Reads a nested property without trusting any level of the payload. */
export function pick(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const segment of path) {
    if (!isRecord(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}
