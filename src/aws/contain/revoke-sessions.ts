import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { isNotFound } from '../aws-errors.ts';
import { type ContainStep, ids, sameJson } from './step.ts';

/** The inline policy name the IAM console's "Revoke active sessions" writes; reusing it means one policy, not two. */
export const REVOKE_POLICY_NAME = 'AWSRevokeOlderSessions';

export interface RevokeBefore {
  roleName: string;
  /** The inline policy of that name before the change, or null when there was none. */
  policy: string | null;
}

/** Deny everything to sessions issued before `cutoff`; sessions issued later (re-assumed) still work. */
export function revokePolicy(cutoff: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Action: ['*'],
        Resource: ['*'],
        Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } },
      },
    ],
  };
}

/** The cut-off of an existing revoke policy, when it is one; later cut-offs already cover ours. */
function existingCutoff(policy: string | null): number | null {
  if (policy === null) return null;
  try {
    const statements = (JSON.parse(policy) as { Statement?: unknown }).Statement;
    const list = Array.isArray(statements) ? statements : [statements];
    const times = list
      .map((s) => (s as { Condition?: { DateLessThan?: Record<string, unknown> } })?.Condition?.DateLessThan)
      .map((c) => c?.['aws:TokenIssueTime'])
      .filter((t): t is string => typeof t === 'string')
      .map((t) => Date.parse(t))
      .filter(Number.isFinite);
    return times.length > 0 ? Math.max(...times) : null;
  } catch {
    return null;
  }
}

async function readPolicy(iam: IAMClient, roleName: string): Promise<string | null> {
  try {
    const out = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: REVOKE_POLICY_NAME }),
    );
    // IAM returns policy documents URL-encoded (RFC 3986).
    return out.PolicyDocument === undefined ? null : decodeURIComponent(out.PolicyDocument);
  } catch (error) {
    if (isNotFound(error, ['NoSuchEntity', 'NoSuchEntityException'])) return null;
    throw error;
  }
}

/**
 * Revokes a role's sessions issued before `cutoff` (an ASIA key cannot be deactivated: it lives
 * until it expires). Legitimate users of the role must assume it again afterwards.
 */
export function revokeSessionsStep(
  iam: IAMClient,
  roleName: string,
  cutoff: string,
): ContainStep<RevokeBefore> {
  const desired = JSON.stringify(revokePolicy(cutoff));
  return {
    descriptor: { kind: 'revoke-sessions', target: roleName, cutoff },
    async inspect() {
      const policy = await readPolicy(iam, roleName);
      const current = existingCutoff(policy);
      const covered = current !== null && current >= Date.parse(cutoff);
      return {
        before: { roleName, policy },
        needsChange: !covered,
        changes: covered
          ? []
          : [
              `role ${roleName}: ${policy === null ? 'add' : 'replace'} inline policy ${REVOKE_POLICY_NAME} denying sessions issued before ${cutoff}`,
            ],
      };
    },
    async apply() {
      return ids(
        await iam.send(
          new PutRolePolicyCommand({
            RoleName: roleName,
            PolicyName: REVOKE_POLICY_NAME,
            PolicyDocument: desired,
          }),
        ),
      );
    },
    async planRevert(before) {
      const now = await readPolicy(iam, roleName);
      if (now === null && before.policy === null) return null;
      if (now !== null && before.policy !== null && sameJson(JSON.parse(now), JSON.parse(before.policy)))
        return null;
      const previous = before.policy;
      if (previous === null) {
        return {
          changes: [`role ${roleName}: delete inline policy ${REVOKE_POLICY_NAME}`],
          run: async () =>
            ids(
              await iam.send(
                new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: REVOKE_POLICY_NAME }),
              ),
            ),
        };
      }
      return {
        changes: [`role ${roleName}: restore inline policy ${REVOKE_POLICY_NAME} as it was`],
        run: async () =>
          ids(
            await iam.send(
              new PutRolePolicyCommand({
                RoleName: roleName,
                PolicyName: REVOKE_POLICY_NAME,
                PolicyDocument: previous,
              }),
            ),
          ),
      };
    },
  };
}
