import type { DryRunResult, Step, StepInputs, StepResults } from '../../workflows/types.ts';

export interface EffectProgress {
  done: number;
  total?: number;
  message?: string;
}

/** What the runtime hands every effect besides its input. */
export interface EffectContext {
  incidentId: number;
  step: Step;
  attempt: number;
  /** `${incidentId}:${step}:${attempt}`: the effects-ledger key of this attempt. */
  idempotencyKey: string;
  /** Aborted when the workflow stops (shutdown, incident closed); the attempt re-runs on next start. */
  signal: AbortSignal;
  /** For live progress in Slack; not persisted, so long effects commit their own resume points. */
  progress(p: EffectProgress): void;
  /** Saves the state before the change, once per attempt; a re-run never overwrites it. */
  saveBeforeState(state: unknown): void;
  /** The before-state saved by an attempt of a step (rollback reads the containment's). */
  beforeState(step: Step, attempt: number): unknown;
}

export type EffectFn<S extends Step> = (input: StepInputs[S], ctx: EffectContext) => Promise<StepResults[S]>;

/**
 * The effect implementations the composition root provides (real ones call AWS). Each must be
 * idempotent: it reads the real state first (is the key already inactive? is this object already
 * restored?), because an attempt interrupted by a crash runs again with the same input.
 */
export interface WorkflowEffects {
  contain: EffectFn<'contain'>;
  rollbackContainment: EffectFn<'rollback'>;
  assess: EffectFn<'assess'>;
  recover: EffectFn<'recover'>;
  verify: EffectFn<'verify'>;
  /** Says what the step would do now; must change nothing. */
  dryRun<S extends Step>(step: S, input: StepInputs[S]): Promise<DryRunResult>;
}

export const effectKey = (incidentId: number, step: Step, attempt: number): string =>
  `${incidentId}:${step}:${attempt}`;
