// The words responders read for the workflow's states and steps, in one place.

import type {
  ApprovalParams,
  ContainOptions,
  Phase,
  RecoveryStrategy,
  Step,
} from '../../../workflows/types.ts';

export const STEP_NAMES: Record<Step, string> = {
  contain: 'containment',
  rollback: 'rollback of containment',
  assess: 'assessment',
  recover: 'recovery',
  verify: 'verification',
};

export const STEP_TITLES: Record<Step, string> = {
  contain: 'Containment',
  rollback: 'Rollback',
  assess: 'Assessment',
  recover: 'Recovery',
  verify: 'Verification',
};

export const PHASE_NAMES: Record<Phase, string> = {
  reported: 'Reported',
  contain: 'Contain',
  assess: 'Assess',
  recover: 'Recover',
  verify: 'Verify',
  resolved: 'Resolved',
  cancelled: 'Cancelled',
};

export const PHASE_EMOJI: Record<Phase, string> = {
  reported: ':rotating_light:',
  contain: ':shield:',
  assess: ':mag:',
  recover: ':recycle:',
  verify: ':white_check_mark:',
  resolved: ':large_green_circle:',
  cancelled: ':black_circle:',
};

export const STRATEGY_NAMES: Record<RecoveryStrategy, string> = {
  versions: 'prior versions',
  backup: 'AWS Backup',
  batch: 'S3 Batch Operations',
};

const CONTAIN_ACTIONS: Record<keyof ContainOptions, string> = {
  deactivateKeys: 'deactivate the access key(s) (not delete: the id stays useful in CloudTrail)',
  attachDenyAll: 'attach AWSDenyAll to the key’s user',
  revokeSessions: 'revoke older role sessions',
  blockSseC: 'block SSE-C writes on the bucket(s)',
  defuseLifecycle: 'defuse the attacker’s lifecycle rule (saved first, so it can be restored)',
};

/** What an approved step will do, in plain words, for the approval message and its confirm dialog. */
export function describeParams(params: ApprovalParams): string[] {
  switch (params.step) {
    case 'contain': {
      const opts = params.options;
      return (Object.keys(CONTAIN_ACTIONS) as (keyof ContainOptions)[])
        .filter((k) => opts[k] !== false)
        .map((k) => CONTAIN_ACTIONS[k]);
    }
    case 'rollback':
      return [
        'reactivate the access key(s), remove the deny policies and restore the saved bucket settings',
        ...(params.reason ? [`reason given: ${params.reason}`] : []),
      ];
    case 'recover':
      return [
        params.strategy === 'versions'
          ? 'copy each affected object’s clean prior version back on top (the attacker’s version stays as evidence)'
          : params.strategy === 'backup'
            ? 'restore from AWS Backup into a new bucket, then copy the affected keys back'
            : 'hand the restore to S3 Batch Operations (a job per bucket, confirmed in AWS)',
        'then verify every affected object reads without a customer key',
      ];
  }
}
