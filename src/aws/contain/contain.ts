import type { STSClient } from '@aws-sdk/client-sts';
import { SsecError } from '../../errors.ts';
import type { Store } from '../../store/store.ts';
import { describeAwsError } from '../aws-errors.ts';
import { auditStep } from './audit-step.ts';
import { type ContainOptions, inspectAll, planSteps, resolveKeys } from './plan.ts';
import type { KeyHint, ResolvedKey } from './resolve-key.ts';
import { type StepDescriptor, type StepOutcome, sameJson, stepKey } from './step.ts';
import { buildStep, type ContainClients } from './steps.ts';

export interface ContainParams {
  clients: ContainClients & { sts: STSClient };
  store: Store;
  incidentId?: number | null;
  accessKeyIds: string[];
  /** Owner or role of a key when the alert named it (a session key's role cannot be looked up). */
  keyHints?: Record<string, KeyHint>;
  buckets: string[];
  options?: ContainOptions;
  dryRun?: boolean;
  /** One per approved containment attempt; a re-run under the same key repeats nothing. */
  idempotencyKey: string;
  /** When given, each change is appended to the audit log under this actor. */
  actor?: string;
  now?: () => Date;
}

export interface ContainmentResult {
  dryRun: boolean;
  idempotencyKey: string;
  keys: ResolvedKey[];
  steps: StepOutcome[];
  notes: string[];
  keysDeactivated: number;
  sessionsRevoked: number;
  bucketsBlocked: number;
  lifecycleRulesDefused: number;
  failed: number;
  awsRequestIds: string[];
}

/** What the contain effect saves before acting: the plan, so a rollback finds every step. */
export interface ContainRecord {
  descriptors: StepDescriptor[];
  notes: string[];
}

export class ContainmentFailedError extends SsecError {
  readonly result: ContainmentResult;
  constructor(result: ContainmentResult) {
    const failed = result.steps.filter((s) => s.status === 'failed');
    super(
      'SSEC_AWS',
      `${failed.length} containment step(s) failed: ${failed.map((s) => `${s.kind} ${s.target}: ${s.error}`).join('; ')}`,
    );
    this.name = 'ContainmentFailedError';
    this.result = result;
  }
}

const CONTAINED = new Set(['applied', 'unchanged']);

function summarize(
  base: Pick<ContainmentResult, 'dryRun' | 'idempotencyKey' | 'keys' | 'notes'>,
  steps: StepOutcome[],
): ContainmentResult {
  const done = (kind: StepOutcome['kind']) =>
    steps.filter((s) => s.kind === kind && (base.dryRun ? s.status !== 'failed' : CONTAINED.has(s.status)));
  const buckets = new Set(
    [...done('block-sse-c-encryption'), ...done('block-sse-c-policy')].map((s) => s.target),
  );
  return {
    ...base,
    steps,
    keysDeactivated: done('deactivate-key').length,
    sessionsRevoked: done('revoke-sessions').length,
    bucketsBlocked: buckets.size,
    lifecycleRulesDefused: done('defuse-lifecycle').reduce((n, s) => n + s.changes.length, 0),
    failed: steps.filter((s) => s.status === 'failed').length,
    awsRequestIds: [
      ...new Set([...base.keys.flatMap((k) => k.requestIds), ...steps.flatMap((s) => s.requestIds)]),
    ],
  };
}

/**
 * Contains the incident: deactivates the keys (or revokes their role's sessions), blocks SSE-C on
 * each bucket and defuses destructive lifecycle rules. Every step reads AWS first, saves its
 * before-state in the effects ledger and is skipped when already in place; one failed step does
 * not stop the others (a key that cannot be deactivated is no reason to leave a bucket open).
 */
export async function contain(params: ContainParams): Promise<ContainmentResult> {
  const { store, idempotencyKey } = params;
  const now = params.now ?? (() => new Date());
  const incidentId = params.incidentId ?? null;
  const dryRun = params.dryRun === true;
  if (!dryRun) {
    const record = store.effects.begin(idempotencyKey, 'contain', incidentId);
    if (record.status === 'succeeded' && record.result) return record.result as ContainmentResult;
  }
  const keys = await resolveKeys(params.clients, params.accessKeyIds, params.keyHints);
  const saved = dryRun
    ? undefined
    : (store.effects.get(idempotencyKey)?.beforeState as ContainRecord | undefined);
  const planned = planSteps({ keys, buckets: params.buckets, options: params.options ?? {}, now: now() });
  // A re-run repeats the first attempt's plan: the same steps, the same session cut-off.
  const record: ContainRecord = saved ?? {
    descriptors: planned.descriptors,
    notes: [...keys.flatMap((k) => k.notes.map((n) => `${k.accessKeyId}: ${n}`)), ...planned.notes],
  };
  const base = { dryRun, idempotencyKey, keys, notes: record.notes };
  if (dryRun) return summarize(base, await inspectAll(params.clients, record.descriptors));

  store.effects.saveBeforeState(idempotencyKey, record);
  const steps: StepOutcome[] = [];
  for (const d of record.descriptors) steps.push(await runStep(params, d, incidentId));
  const result = summarize(base, steps);
  if (result.failed > 0) {
    store.effects.fail(idempotencyKey, `${result.failed} step(s) failed`);
    throw new ContainmentFailedError(result);
  }
  store.effects.succeed(idempotencyKey, result);
  return result;
}

async function runStep(
  params: ContainParams,
  d: StepDescriptor,
  incidentId: number | null,
): Promise<StepOutcome> {
  const { store } = params;
  const key = stepKey(params.idempotencyKey, d);
  const record = store.effects.begin(key, `contain:${d.kind}`, incidentId);
  if (record.status === 'succeeded' && record.result) return record.result as StepOutcome;
  const earlierBefore = record.beforeState;
  let outcome: StepOutcome;
  try {
    const step = buildStep(params.clients, d);
    const inspection = await step.inspect();
    store.effects.saveBeforeState(key, inspection.before);
    if (inspection.needsChange) {
      const requestIds = await step.apply(inspection);
      outcome = {
        kind: d.kind,
        target: d.target,
        status: 'applied',
        changes: inspection.changes,
        requestIds,
      };
    } else {
      // Already contained: by someone else, or by an earlier attempt that died before recording it.
      const ours = earlierBefore !== undefined && !sameJson(earlierBefore, inspection.before);
      outcome = {
        kind: d.kind,
        target: d.target,
        status: ours ? 'applied' : 'unchanged',
        changes: ours ? ['(applied by an earlier attempt)'] : [],
        requestIds: [],
      };
    }
    store.effects.succeed(key, outcome);
  } catch (error) {
    const message = describeAwsError(error);
    store.effects.fail(key, message);
    outcome = {
      kind: d.kind,
      target: d.target,
      status: 'failed',
      changes: [],
      requestIds: [],
      error: message,
    };
  }
  auditStep(store, { incidentId, actor: params.actor, action: 'contain' }, outcome);
  return outcome;
}
