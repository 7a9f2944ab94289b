import {
  GetBucketLifecycleConfigurationCommand,
  type LifecycleRule,
  PutBucketLifecycleConfigurationCommand,
  type S3Client,
  type TransitionDefaultMinimumObjectSize,
} from '@aws-sdk/client-s3';
import { isNotFound } from '../aws-errors.ts';
import { type ContainStep, ids, sameJson } from './step.ts';

export interface LifecycleBefore {
  /** The whole configuration as it was, or null when the bucket had none. */
  rules: LifecycleRule[] | null;
  transitionDefaultMinimumObjectSize?: string | undefined;
}

/** What in a rule destroys data: expiring current versions (Days/Date) or noncurrent versions. */
export function destructiveActions(rule: LifecycleRule): string[] {
  const actions: string[] = [];
  const e = rule.Expiration;
  if (e?.Days !== undefined) actions.push(`Expiration ${e.Days} days`);
  if (e?.Date !== undefined) actions.push(`Expiration on ${new Date(e.Date).toISOString().slice(0, 10)}`);
  const n = rule.NoncurrentVersionExpiration;
  if (n) {
    const kept = n.NewerNoncurrentVersions ? `, keep ${n.NewerNoncurrentVersions} newer` : '';
    actions.push(`NoncurrentVersionExpiration ${n.NoncurrentDays ?? '?'} days${kept}`);
  }
  return actions;
}

export const isDestructive = (rule: LifecycleRule): boolean =>
  rule.Status === 'Enabled' && destructiveActions(rule).length > 0;

/** The configuration with every destructive rule Disabled; nothing else changes. */
export function defusedRules(rules: LifecycleRule[]): LifecycleRule[] {
  return rules.map((rule) => (isDestructive(rule) ? { ...rule, Status: 'Disabled' } : rule));
}

/** JSON from the ledger holds dates as strings; the SDK serializer wants Date objects back. */
export function reviveRules(rules: LifecycleRule[]): LifecycleRule[] {
  return rules.map((rule) => ({
    ...rule,
    ...(rule.Expiration?.Date !== undefined
      ? { Expiration: { ...rule.Expiration, Date: new Date(rule.Expiration.Date) } }
      : {}),
    ...(rule.Transitions
      ? {
          Transitions: rule.Transitions.map((t) =>
            t.Date !== undefined ? { ...t, Date: new Date(t.Date) } : t,
          ),
        }
      : {}),
  }));
}

const ruleName = (rule: LifecycleRule, index: number) => (rule.ID ? `"${rule.ID}"` : `#${index + 1} (no ID)`);

async function readLifecycle(s3: S3Client, bucket: string): Promise<LifecycleBefore> {
  try {
    const out = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    return {
      rules: out.Rules ?? [],
      transitionDefaultMinimumObjectSize: out.TransitionDefaultMinimumObjectSize,
    };
  } catch (error) {
    if (isNotFound(error, ['NoSuchLifecycleConfiguration'])) return { rules: null };
    throw error;
  }
}

async function putLifecycle(s3: S3Client, bucket: string, config: LifecycleBefore): Promise<string[]> {
  const out = await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: { Rules: reviveRules(config.rules ?? []) },
      ...(config.transitionDefaultMinimumObjectSize
        ? {
            TransitionDefaultMinimumObjectSize:
              config.transitionDefaultMinimumObjectSize as TransitionDefaultMinimumObjectSize,
          }
        : {}),
    }),
  );
  return ids(out);
}

/**
 * Disables (never deletes) the rules that would expire current or noncurrent versions — the
 * attacker's clock — after saving the whole configuration, so rollback can put it back verbatim.
 */
export function defuseLifecycleStep(s3: S3Client, bucket: string): ContainStep<LifecycleBefore> {
  return {
    descriptor: { kind: 'defuse-lifecycle', target: bucket },
    async inspect() {
      const before = await readLifecycle(s3, bucket);
      const rules = before.rules ?? [];
      const changes = rules.flatMap((rule, i) =>
        isDestructive(rule)
          ? [
              `bucket ${bucket}: lifecycle rule ${ruleName(rule, i)} (${destructiveActions(rule).join('; ')}): Enabled → Disabled`,
            ]
          : [],
      );
      return { before, needsChange: changes.length > 0, changes };
    },
    async apply(inspection) {
      const before = inspection.before;
      return putLifecycle(s3, bucket, { ...before, rules: defusedRules(before.rules ?? []) });
    },
    async planRevert(before) {
      const previous = before.rules;
      // Our apply never writes when there was no configuration, so none is ours to remove.
      if (previous === null) return null;
      const now = await readLifecycle(s3, bucket);
      if (sameJson(now.rules, previous)) return null;
      if (now.rules !== null && sameJson(now.rules, defusedRules(previous))) {
        const changes = previous.flatMap((rule, i) =>
          isDestructive(rule)
            ? [`bucket ${bucket}: lifecycle rule ${ruleName(rule, i)}: Disabled → Enabled`]
            : [],
        );
        return { changes, run: () => putLifecycle(s3, bucket, before) };
      }
      // Changed since containment: re-enable only the rules we disabled that are still disabled.
      const disabledByUs = new Set(previous.filter(isDestructive).flatMap((r) => (r.ID ? [r.ID] : [])));
      const changes: string[] = [];
      const rules = (now.rules ?? []).map((rule, i) => {
        if (rule.ID && disabledByUs.has(rule.ID) && rule.Status === 'Disabled') {
          changes.push(
            `bucket ${bucket}: lifecycle rule ${ruleName(rule, i)}: Disabled → Enabled (configuration changed since)`,
          );
          return { ...rule, Status: 'Enabled' as const };
        }
        return rule;
      });
      if (changes.length === 0) return null;
      return { changes, run: () => putLifecycle(s3, bucket, { ...now, rules }) };
    },
  };
}
