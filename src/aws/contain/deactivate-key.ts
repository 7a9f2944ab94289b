import {
  AttachUserPolicyCommand,
  DetachUserPolicyCommand,
  type IAMClient,
  ListAttachedUserPoliciesCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { keyStatus } from './resolve-key.ts';
import { type ContainStep, ids } from './step.ts';

export const AWS_DENY_ALL_ARN = 'arn:aws:iam::aws:policy/AWSDenyAll';

export interface KeyStatusBefore {
  userName: string;
  status: 'Active' | 'Inactive';
}

/**
 * Deactivates a long-term key: never deletes it, since its id is what CloudTrail queries search for,
 * and an Inactive key can be switched back on if it was the wrong one.
 */
export function deactivateKeyStep(
  iam: IAMClient,
  userName: string,
  accessKeyId: string,
): ContainStep<KeyStatusBefore> {
  const setStatus = async (status: 'Active' | 'Inactive') =>
    ids(
      await iam.send(
        new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status }),
      ),
    );
  return {
    descriptor: { kind: 'deactivate-key', target: accessKeyId, userName },
    async inspect() {
      const status = await keyStatus(iam, userName, accessKeyId);
      if (status === null) throw new Error(`user ${userName} has no access key ${accessKeyId}`);
      return {
        before: { userName, status },
        needsChange: status === 'Active',
        changes: status === 'Active' ? [`${accessKeyId} (user ${userName}): Active → Inactive`] : [],
      };
    },
    apply: () => setStatus('Inactive'),
    async planRevert(before) {
      const now = await keyStatus(iam, userName, accessKeyId);
      if (now === null || now === before.status) return null;
      return {
        changes: [`${accessKeyId} (user ${userName}): ${now} → ${before.status}`],
        run: () => setStatus(before.status),
      };
    },
  };
}

export interface DenyAllBefore {
  attached: boolean;
}

async function hasDenyAll(iam: IAMClient, userName: string): Promise<boolean> {
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName, Marker: marker }));
    if (page.AttachedPolicies?.some((p) => p.PolicyArn === AWS_DENY_ALL_ARN)) return true;
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return false;
}

/** Attaches AWS's managed AWSDenyAll to the key's user: stops every key it has, not only this one. */
export function attachDenyAllStep(iam: IAMClient, userName: string): ContainStep<DenyAllBefore> {
  return {
    descriptor: { kind: 'attach-deny-all', target: userName },
    async inspect() {
      const attached = await hasDenyAll(iam, userName);
      return {
        before: { attached },
        needsChange: !attached,
        changes: attached ? [] : [`user ${userName}: attach ${AWS_DENY_ALL_ARN}`],
      };
    },
    async apply() {
      return ids(
        await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: AWS_DENY_ALL_ARN })),
      );
    },
    async planRevert(before) {
      // Only detach what this step attached: a DenyAll someone else put there stays.
      if (before.attached || !(await hasDenyAll(iam, userName))) return null;
      return {
        changes: [`user ${userName}: detach ${AWS_DENY_ALL_ARN}`],
        run: async () =>
          ids(
            await iam.send(new DetachUserPolicyCommand({ UserName: userName, PolicyArn: AWS_DENY_ALL_ARN })),
          ),
      };
    },
  };
}
