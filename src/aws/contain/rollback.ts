import type { Store } from '../../store/store.ts';
import { describeAwsError } from '../aws-errors.ts';
import { auditStep } from './audit-step.ts';
import type { ContainRecord } from './contain.ts';
import type { ContainStepKind, StepDescriptor, StepOutcome } from './step.ts';
import { stepKey } from './step.ts';
import { buildStep, type ContainClients } from './steps.ts';

export interface RollbackParams {
  clients: ContainClients;
  store: Store;
  incidentId?: number | null;
  /**
   * The containment attempts to undo, oldest first. Each step goes back to the earliest
   * before-state any of them saved: a retried attempt saw the state the first one had made.
   */
  containKeys: string[];
  idempotencyKey: string;
  /** Undo only these kinds of step (default all). */
  kinds?: ContainStepKind[];
  dryRun?: boolean;
  actor?: string;
}

export interface RollbackOutcome {
  dryRun: boolean;
  steps: StepOutcome[];
  keysReactivated: number;
  sessionsRestored: number;
  bucketsUnblocked: number;
  lifecycleRulesRestored: number;
  failed: number;
  notes: string[];
  awsRequestIds: string[];
}

interface Target {
  descriptor: StepDescriptor;
  before: unknown;
}

function targets(
  store: Store,
  containKeys: string[],
  kinds?: ContainStepKind[],
): { list: Target[]; notes: string[] } {
  const list: Target[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const parent of containKeys) {
    const record = store.effects.get(parent);
    const plan = record?.beforeState as ContainRecord | undefined;
    if (!plan) {
      notes.push(`containment ${parent} recorded no plan: nothing of it to undo`);
      continue;
    }
    for (const d of plan.descriptors) {
      const id = `${d.kind}/${d.target}`;
      if (seen.has(id) || (kinds && !kinds.includes(d.kind))) continue;
      const before = store.effects.get(stepKey(parent, d))?.beforeState;
      if (before === undefined) continue; // never got as far as reading AWS: it changed nothing
      seen.add(id);
      list.push({ descriptor: d, before });
    }
  }
  return { list, notes };
}

/**
 * Puts each containment step back to its saved before-state, newest step first: re-enables
 * lifecycle rules, removes the SSE-C block, restores the role policy, reactivates the key.
 */
export async function rollbackContainment(params: RollbackParams): Promise<RollbackOutcome> {
  const { store } = params;
  const dryRun = params.dryRun === true;
  const incidentId = params.incidentId ?? null;
  if (!dryRun) {
    const record = store.effects.begin(params.idempotencyKey, 'rollback', incidentId);
    if (record.status === 'succeeded' && record.result) return record.result as RollbackOutcome;
  }
  const { list, notes } = targets(store, params.containKeys, params.kinds);
  const steps: StepOutcome[] = [];
  for (const t of list.reverse()) steps.push(await revertOne(params, t, dryRun, incidentId));
  const count = (kinds: ContainStepKind[]) =>
    steps.filter((s) => kinds.includes(s.kind) && s.status === (dryRun ? 'planned' : 'reverted'));
  const result: RollbackOutcome = {
    dryRun,
    steps,
    keysReactivated: count(['deactivate-key']).length,
    sessionsRestored: count(['revoke-sessions']).length,
    bucketsUnblocked: new Set(count(['block-sse-c-encryption', 'block-sse-c-policy']).map((s) => s.target))
      .size,
    lifecycleRulesRestored: count(['defuse-lifecycle']).reduce((n, s) => n + s.changes.length, 0),
    failed: steps.filter((s) => s.status === 'failed').length,
    notes,
    awsRequestIds: steps.flatMap((s) => s.requestIds),
  };
  if (!dryRun) {
    if (result.failed > 0)
      store.effects.fail(params.idempotencyKey, `${result.failed} rollback step(s) failed`);
    else store.effects.succeed(params.idempotencyKey, result);
  }
  return result;
}

async function revertOne(
  params: RollbackParams,
  t: Target,
  dryRun: boolean,
  incidentId: number | null,
): Promise<StepOutcome> {
  const d = t.descriptor;
  const key = stepKey(params.idempotencyKey, d);
  const base = { kind: d.kind, target: d.target };
  if (!dryRun) {
    const record = params.store.effects.begin(key, `rollback:${d.kind}`, incidentId);
    if (record.status === 'succeeded' && record.result) return record.result as StepOutcome;
  }
  let outcome: StepOutcome;
  try {
    const plan = await buildStep(params.clients, d).planRevert(t.before);
    if (!plan) outcome = { ...base, status: 'unchanged', changes: [], requestIds: [] };
    else if (dryRun) outcome = { ...base, status: 'planned', changes: plan.changes, requestIds: [] };
    else outcome = { ...base, status: 'reverted', changes: plan.changes, requestIds: await plan.run() };
  } catch (error) {
    outcome = { ...base, status: 'failed', changes: [], requestIds: [], error: describeAwsError(error) };
  }
  if (!dryRun) {
    if (outcome.status === 'failed') params.store.effects.fail(key, outcome.error ?? 'failed');
    else params.store.effects.succeed(key, outcome);
    auditStep(params.store, { incidentId, actor: params.actor, action: 'rollback' }, outcome);
  }
  return outcome;
}
