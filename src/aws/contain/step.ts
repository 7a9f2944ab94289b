// The shape every containment step shares, so one runner can plan, apply, record and undo them all.

export type ContainStepKind =
  | 'deactivate-key'
  | 'attach-deny-all'
  | 'revoke-sessions'
  | 'block-sse-c-encryption'
  | 'block-sse-c-policy'
  | 'defuse-lifecycle';

/**
 * A step as planned: plain JSON, saved in the effects ledger so a re-run repeats the same step (a
 * session revocation keeps its cut-off time) and a rollback can rebuild it long after.
 */
export type StepDescriptor =
  | { kind: 'deactivate-key'; target: string; userName: string }
  | { kind: 'attach-deny-all'; target: string }
  | { kind: 'revoke-sessions'; target: string; cutoff: string }
  | { kind: 'block-sse-c-encryption'; target: string }
  | { kind: 'block-sse-c-policy'; target: string }
  | { kind: 'defuse-lifecycle'; target: string };

/** What a step found in AWS and what applying it would change. */
export interface Inspection<B> {
  /** AWS's state now, as the step will restore it on rollback. */
  before: B;
  /** False when AWS is already contained: applying changes nothing. */
  needsChange: boolean;
  /** Exactly what changes, one line each (e.g. `rule "expire": Enabled → Disabled`). */
  changes: string[];
}

/** How to put one step's change back: what would change, and the call that does it. */
export interface RevertPlan {
  changes: string[];
  run(): Promise<string[]>;
}

export interface ContainStep<B = unknown> {
  readonly descriptor: StepDescriptor;
  inspect(): Promise<Inspection<B>>;
  /** Makes the change the inspection planned; returns the AWS request ids. */
  apply(inspection: Inspection<B>): Promise<string[]>;
  /** How to put AWS back to `before` as far as this step changed it; null when already there. */
  planRevert(before: B): Promise<RevertPlan | null>;
}

export type StepStatus = 'planned' | 'unchanged' | 'applied' | 'reverted' | 'failed';

export interface StepOutcome {
  kind: ContainStepKind;
  target: string;
  status: StepStatus;
  changes: string[];
  requestIds: string[];
  error?: string;
}

export const stepKey = (parent: string, d: Pick<StepDescriptor, 'kind' | 'target'>): string =>
  `${parent}/${d.kind}/${d.target}`;

/** Request ids of an SDK output, for the audit log. */
export function ids(...outputs: Array<{ $metadata?: { requestId?: string } } | undefined>): string[] {
  return outputs.map((o) => o?.$metadata?.requestId).filter((id): id is string => typeof id === 'string');
}

/** JSON equality that ignores key order, for comparing AWS documents we wrote with what AWS returns. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
        )
      : v,
  );
}
