import type { LifecycleRule } from '@aws-sdk/client-s3';

export interface LifecycleFinding {
  id: string;
  /** Which objects the rule applies to, in words. */
  appliesTo: string;
  expiresCurrentAfterDays: number | null;
  expiresCurrentOn: string | null;
  expiresNoncurrentAfterDays: number | null;
  newerNoncurrentVersions: number | null;
  /** Current-version expiration in a versioned bucket: when delete markers land on the attacker's versions. */
  deleteMarkersFrom: string | null;
  /** NoncurrentVersionExpiration: when the clean versions (noncurrent since the attack) are destroyed for good. */
  cleanVersionsDestroyedFrom: string | null;
  message: string;
}

const DAY_MS = 86_400_000;

/** S3 adds the days to the start time and rounds the result up to the next midnight UTC. */
export function lifecycleDue(from: Date, days: number): Date {
  const t = from.getTime() + days * DAY_MS;
  return new Date(Math.ceil(t / DAY_MS) * DAY_MS);
}

/**
 * The enabled rules that delete data, with their deadlines counted from `overwrittenAt` (when the
 * attacker's writes made the clean versions noncurrent). Transitions and multipart clean-up are
 * left out: they destroy nothing a restore needs.
 */
export function lifecycleFindings(
  rules: readonly LifecycleRule[],
  overwrittenAt: Date,
  versioned: boolean,
): LifecycleFinding[] {
  const out: LifecycleFinding[] = [];
  rules.forEach((rule, index) => {
    if (rule.Status !== 'Enabled') return;
    const currentDays = rule.Expiration?.Days ?? null;
    const currentDate = rule.Expiration?.Date ?? null;
    const noncurrentDays = rule.NoncurrentVersionExpiration?.NoncurrentDays ?? null;
    const newer = rule.NoncurrentVersionExpiration?.NewerNoncurrentVersions ?? null;
    if (currentDays === null && currentDate === null && noncurrentDays === null) return;

    const id = rule.ID ?? `rule ${index + 1}`;
    const appliesTo = describeFilter(rule);
    const currentDue =
      currentDays !== null
        ? lifecycleDue(overwrittenAt, currentDays)
        : currentDate
          ? new Date(currentDate)
          : null;
    const noncurrentDue = noncurrentDays !== null ? lifecycleDue(overwrittenAt, noncurrentDays) : null;
    const parts: string[] = [];
    if (noncurrentDue) {
      const keep =
        newer !== null && newer > 0
          ? ` (it keeps the ${newer} newest noncurrent version${newer === 1 ? '' : 's'} of each object, so a clean version survives only while fewer than ${newer} attacker versions lie above it)`
          : '';
      parts.push(
        `destroys noncurrent versions ${noncurrentDays} days after they became noncurrent: clean versions overwritten at ${overwrittenAt.toISOString()} are permanently deleted from ${noncurrentDue.toISOString()}${keep}`,
      );
    }
    if (currentDue) {
      const when =
        currentDays !== null
          ? `${currentDays} days after they were written`
          : `on ${currentDue.toISOString()}`;
      parts.push(
        versioned
          ? `expires current versions ${when}: delete markers land on the attacker's versions from ${currentDue.toISOString()} (the versions beneath survive until a noncurrent rule removes them)`
          : `expires current objects ${when}: in a bucket without versioning they are deleted for good from ${currentDue.toISOString()}`,
      );
    }
    out.push({
      id,
      appliesTo,
      expiresCurrentAfterDays: currentDays,
      expiresCurrentOn: currentDate ? new Date(currentDate).toISOString() : null,
      expiresNoncurrentAfterDays: noncurrentDays,
      newerNoncurrentVersions: newer,
      deleteMarkersFrom: versioned && currentDue ? currentDue.toISOString() : null,
      cleanVersionsDestroyedFrom: noncurrentDue
        ? noncurrentDue.toISOString()
        : !versioned && currentDue
          ? currentDue.toISOString()
          : null,
      message: `Lifecycle rule "${id}" (${appliesTo}) ${parts.join('; it also ')}.`,
    });
  });
  return out;
}

function describeFilter(rule: LifecycleRule): string {
  const f = rule.Filter;
  const prefix = f?.Prefix ?? f?.And?.Prefix ?? rule.Prefix;
  const tags = [...(f?.Tag ? [f.Tag] : []), ...(f?.And?.Tags ?? [])].map((t) => `${t.Key}=${t.Value}`);
  const bits: string[] = [];
  if (prefix) bits.push(`prefix "${prefix}"`);
  if (tags.length > 0) bits.push(`tags ${tags.join(', ')}`);
  const larger = f?.ObjectSizeGreaterThan ?? f?.And?.ObjectSizeGreaterThan;
  const smaller = f?.ObjectSizeLessThan ?? f?.And?.ObjectSizeLessThan;
  if (larger !== undefined) bits.push(`objects over ${larger} bytes`);
  if (smaller !== undefined) bits.push(`objects under ${smaller} bytes`);
  return bits.length === 0 ? 'every object' : bits.join(', ');
}
