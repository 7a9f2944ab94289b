import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import { blockSseCEncryptionStep, blockSseCPolicyStep } from './block-sse-c.ts';
import { attachDenyAllStep, deactivateKeyStep } from './deactivate-key.ts';
import { defuseLifecycleStep } from './defuse-lifecycle.ts';
import { revokeSessionsStep } from './revoke-sessions.ts';
import type { ContainStep, StepDescriptor } from './step.ts';

export interface ContainClients {
  s3: S3Client;
  iam: IAMClient;
}

/** Rebuilds a step from its saved descriptor: the same code plans, applies and undoes it. */
export function buildStep(clients: ContainClients, d: StepDescriptor): ContainStep {
  switch (d.kind) {
    case 'deactivate-key':
      return deactivateKeyStep(clients.iam, d.userName, d.target) as ContainStep;
    case 'attach-deny-all':
      return attachDenyAllStep(clients.iam, d.target) as ContainStep;
    case 'revoke-sessions':
      return revokeSessionsStep(clients.iam, d.target, d.cutoff) as ContainStep;
    case 'block-sse-c-encryption':
      return blockSseCEncryptionStep(clients.s3, d.target) as ContainStep;
    case 'block-sse-c-policy':
      return blockSseCPolicyStep(clients.s3, d.target) as ContainStep;
    case 'defuse-lifecycle':
      return defuseLifecycleStep(clients.s3, d.target) as ContainStep;
  }
}
