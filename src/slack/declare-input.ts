// Reading and checking what someone typed (or entered in the form) to declare an incident, with
// messages that say exactly what to type instead.

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ACCESS_KEY = /^(AKIA|ASIA)[A-Z0-9]{16}$/;
const RELATIVE = /^(\d+)\s*([hd])$/i;

export interface DeclareInput {
  buckets: string[];
  accessKeyIds: string[];
  since: Date | null;
}

export type DeclareParse =
  | { ok: true; input: DeclareInput }
  | { ok: false; errors: Partial<Record<'buckets' | 'keys' | 'since', string>> };

const split = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** `s3://bucket/`, `arn:aws:s3:::bucket` and `bucket` all name the bucket. */
export function normaliseBucket(raw: string): string {
  return raw
    .replace(/^arn:aws[a-z-]*:s3:::/, '')
    .replace(/^s3:\/\//, '')
    .replace(/\/.*$/, '');
}

export function parseSince(raw: string, now: Date): Date | null | 'invalid' {
  const text = raw.trim();
  if (text === '') return null;
  const rel = RELATIVE.exec(text);
  if (rel)
    return new Date(
      now.getTime() - Number(rel[1]) * (rel[2]!.toLowerCase() === 'h' ? 3_600_000 : 86_400_000),
    );
  // ISO-8601 only: Date.parse accepts much more, and a misread date would scan the wrong window.
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(text))
    return 'invalid';
  const withZone = /[T ]\d{2}:\d{2}/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? `${text}Z` : text;
  const d = new Date(withZone.replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? 'invalid' : d;
}

export function checkDeclare(
  raw: { buckets: string[]; keys: string[]; since: Date | string | null },
  now: Date,
): DeclareParse {
  const errors: Partial<Record<'buckets' | 'keys' | 'since', string>> = {};
  const buckets = [...new Set(raw.buckets.flatMap(split).map(normaliseBucket).filter(Boolean))];
  const keys = [...new Set(raw.keys.flatMap(split).map((k) => k.toUpperCase()))];
  const badBuckets = buckets.filter((b) => !BUCKET.test(b));
  if (buckets.length === 0) errors.buckets = 'Name at least one bucket.';
  else if (badBuckets.length > 0) {
    errors.buckets = `Not a bucket name: ${badBuckets.slice(0, 5).join(', ')} (3–63 lower-case letters, digits, dots and hyphens).`;
  }
  const badKeys = keys.filter((k) => !ACCESS_KEY.test(k));
  if (badKeys.length > 0) {
    errors.keys = `Not an access key id: ${badKeys.slice(0, 5).join(', ')} (20 characters starting AKIA or ASIA; never the secret key).`;
  }
  let since: Date | null = null;
  if (typeof raw.since === 'string') {
    const parsed = parseSince(raw.since, now);
    if (parsed === 'invalid')
      errors.since = `Not a time: "${raw.since.slice(0, 40)}". Use ISO-8601 such as 2025-01-13T09:00Z, or 24h / 3d ago.`;
    else since = parsed;
  } else since = raw.since;
  if (since && since.getTime() > now.getTime() + 60_000)
    errors.since = 'The start of the attack cannot be in the future.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, input: { buckets, accessKeyIds: keys, since } };
}

export const isAccessKeyId = (s: string) => ACCESS_KEY.test(s.toUpperCase());
