import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { describeAwsError } from '../aws-errors.ts';
import { type KeyHint, type ResolvedKey, resolveAccessKey } from './resolve-key.ts';
import type { StepDescriptor, StepOutcome } from './step.ts';
import { buildStep, type ContainClients } from './steps.ts';

export type BlockMethod = 'encryption' | 'policy' | 'both' | 'none';

export interface ContainOptions {
  /** Deactivate long-term keys (default on). */
  deactivateKeys?: boolean;
  /** Also attach AWSDenyAll to each key's user (default off: it stops every key the user has). */
  denyAll?: boolean;
  /** Revoke the role's older sessions for session keys (default on). */
  revokeSessions?: boolean;
  /** How to stop SSE-C writes on each bucket (default both). */
  blockMethod?: BlockMethod;
  /** Disable lifecycle rules that expire versions (default on). */
  defuseLifecycle?: boolean;
  /** The workflow's names for the same switches (`ContainOptions` in workflows/types.ts). */
  attachDenyAll?: boolean;
  blockSseC?: boolean;
}

export interface PlanInput {
  keys: ResolvedKey[];
  buckets: string[];
  options: ContainOptions;
  /** The session-revocation cut-off: sessions issued before it are denied. */
  now: Date;
}

/** Which steps containment takes, from what was found out about the keys; pure. */
export function planSteps(input: PlanInput): { descriptors: StepDescriptor[]; notes: string[] } {
  const o = input.options;
  const descriptors: StepDescriptor[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const add = (d: StepDescriptor) => {
    const id = `${d.kind}/${d.target}`;
    if (!seen.has(id)) {
      seen.add(id);
      descriptors.push(d);
    }
  };
  for (const key of input.keys) {
    if (key.type === 'session') {
      if (o.revokeSessions === false) continue;
      if (key.roleName)
        add({ kind: 'revoke-sessions', target: key.roleName, cutoff: input.now.toISOString() });
      else notes.push(`${key.accessKeyId}: session key with no known role; its sessions were not revoked`);
      continue;
    }
    if (!key.userName) {
      notes.push(`${key.accessKeyId}: owner unknown; the key was not deactivated`);
      continue;
    }
    if (o.deactivateKeys !== false) {
      if (key.status === null)
        notes.push(`${key.accessKeyId}: not found under user ${key.userName}; nothing to deactivate`);
      else add({ kind: 'deactivate-key', target: key.accessKeyId, userName: key.userName });
    }
    if ((o.denyAll ?? o.attachDenyAll) === true) add({ kind: 'attach-deny-all', target: key.userName });
  }
  const method = o.blockMethod ?? (o.blockSseC === false ? 'none' : 'both');
  for (const bucket of input.buckets) {
    if (method === 'encryption' || method === 'both') add({ kind: 'block-sse-c-encryption', target: bucket });
    if (method === 'policy' || method === 'both') add({ kind: 'block-sse-c-policy', target: bucket });
    if (o.defuseLifecycle !== false) add({ kind: 'defuse-lifecycle', target: bucket });
  }
  return { descriptors, notes };
}

export async function resolveKeys(
  clients: { sts: STSClient; iam: IAMClient },
  accessKeyIds: string[],
  hints: Record<string, KeyHint> = {},
): Promise<ResolvedKey[]> {
  const keys: ResolvedKey[] = [];
  for (const id of accessKeyIds) keys.push(await resolveAccessKey(clients, id, hints[id]));
  return keys;
}

export interface ContainmentPlan {
  keys: ResolvedKey[];
  descriptors: StepDescriptor[];
  /** Each step as it stands now: `planned` (would change, with the exact changes) or `unchanged`. */
  steps: StepOutcome[];
  notes: string[];
}

/** Reads AWS and reports exactly what containment would change; changes nothing. */
export async function planContainment(params: {
  clients: ContainClients & { sts: STSClient };
  accessKeyIds: string[];
  keyHints?: Record<string, KeyHint>;
  buckets: string[];
  options?: ContainOptions;
  now?: Date;
}): Promise<ContainmentPlan> {
  const keys = await resolveKeys(params.clients, params.accessKeyIds, params.keyHints);
  const { descriptors, notes } = planSteps({
    keys,
    buckets: params.buckets,
    options: params.options ?? {},
    now: params.now ?? new Date(),
  });
  return {
    keys,
    descriptors,
    steps: await inspectAll(params.clients, descriptors),
    notes: [...keysNotes(keys), ...notes],
  };
}

export async function inspectAll(
  clients: ContainClients,
  descriptors: StepDescriptor[],
): Promise<StepOutcome[]> {
  const steps: StepOutcome[] = [];
  for (const d of descriptors) {
    try {
      const inspection = await buildStep(clients, d).inspect();
      steps.push({
        kind: d.kind,
        target: d.target,
        status: inspection.needsChange ? 'planned' : 'unchanged',
        changes: inspection.changes,
        requestIds: [],
      });
    } catch (error) {
      steps.push({
        kind: d.kind,
        target: d.target,
        status: 'failed',
        changes: [],
        requestIds: [],
        error: describeAwsError(error),
      });
    }
  }
  return steps;
}

const keysNotes = (keys: ResolvedKey[]) => keys.flatMap((k) => k.notes.map((n) => `${k.accessKeyId}: ${n}`));
