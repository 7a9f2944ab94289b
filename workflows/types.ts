// Shared vocabulary of the incident workflow: the machine, the runtime, the Slack layer and the effect
// implementations all speak these types. Plain data only, so snapshots stay JSON.

/** Steps that run an effect; each has its own attempt counter and effects-ledger key. */
export type Step = 'contain' | 'rollback' | 'assess' | 'recover' | 'verify';
/** Steps that change AWS and therefore wait for an approval. */
export type ApprovalStep = 'contain' | 'rollback' | 'recover';
export type RecoveryStrategy = 'versions' | 'backup' | 'batch';

export const STEPS: readonly Step[] = ['contain', 'rollback', 'assess', 'recover', 'verify'];
export const APPROVAL_STEPS: readonly ApprovalStep[] = ['contain', 'rollback', 'recover'];
export const RECOVERY_STRATEGIES: readonly RecoveryStrategy[] = ['versions', 'backup', 'batch'];

export type Phase = 'reported' | 'contain' | 'assess' | 'recover' | 'verify' | 'resolved' | 'cancelled';

/** Who sent an event; the runtime resolves responder membership (user groups included) before sending. */
export interface EventActor {
  userId: string;
  isResponder: boolean;
}

export interface ApprovalPolicy {
  approvalsRequired: 1 | 2;
  /** When true, whoever requested a step may not approve it. */
  twoPersonRule: boolean;
  approvalTtlMs: number;
}

/** What containment should do; every switch defaults to on, a responder may turn one off. */
export interface ContainOptions {
  deactivateKeys?: boolean;
  attachDenyAll?: boolean;
  revokeSessions?: boolean;
  blockSseC?: boolean;
  defuseLifecycle?: boolean;
}

export interface RecoverOptions {
  strategy: RecoveryStrategy;
}

export type ApprovalParams =
  | { step: 'contain'; options: ContainOptions }
  | { step: 'rollback'; reason: string | null }
  | {
      step: 'recover';
      strategy: RecoveryStrategy;
    };

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'withdrawn';

export interface Approval {
  /** `${step}-${n}`: deterministic, so a replayed or restored machine names it the same. */
  id: string;
  step: ApprovalStep;
  params: ApprovalParams;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  required: number;
  approvers: { userId: string; at: string }[];
  status: ApprovalStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
}

export interface IncidentInput {
  incidentId: number;
  ref: string;
  buckets: string[];
  accessKeyIds: string[];
  windowStart: string;
  windowEnd?: string | null;
  policy: ApprovalPolicy;
  autoAssess?: boolean;
}

// --- effect inputs and results (small: counts and ids, never per-object lists) ---

interface StepInputBase {
  incidentId: number;
  /** The attempt number of this step; with the incident id and step it forms the idempotency key. */
  attempt: number;
}

export interface ContainInput extends StepInputBase {
  buckets: string[];
  accessKeyIds: string[];
  options: ContainOptions;
}

export interface RollbackInput extends StepInputBase {
  buckets: string[];
  accessKeyIds: string[];
  /** Which containment attempt to undo: its effects-ledger entry holds the before-state. */
  containAttempt: number;
}

export interface AssessInput extends StepInputBase {
  buckets: string[];
  accessKeyIds: string[];
  windowStart: string;
  windowEnd: string | null;
}

export interface RecoverInput extends StepInputBase {
  buckets: string[];
  strategy: RecoveryStrategy;
  /** The assessment runs (rows in `assess_runs`) whose affected objects are to be restored. */
  assessRunIds: number[];
}

export interface VerifyInput extends StepInputBase {
  buckets: string[];
  assessRunIds: number[];
}

/** AWS request ids for the audit log; bounded by the implementation (control-plane calls, job ids). */
interface WithRequestIds {
  awsRequestIds?: string[];
}

export interface ContainResult extends WithRequestIds {
  keysDeactivated: number;
  bucketsBlocked: number;
  lifecycleRulesDefused: number;
  notes?: string[];
}

export interface RollbackResult extends WithRequestIds {
  keysReactivated: number;
  bucketsUnblocked: number;
  lifecycleRulesRestored: number;
}

export interface AssessResult extends WithRequestIds {
  affected: number;
  unrecoverable: number;
  changed: number;
  /** Short named counts or flags, e.g. `{ lifecycleRules: 1, versioningSuspended: 0, ransomNotes: 3 }`. */
  findings: Record<string, number | boolean | string>;
  assessRunIds: number[];
}

export interface RecoverResult extends WithRequestIds {
  restored: number;
  failed: number;
  unrecoverable: number;
  jobIds?: string[];
}

export interface VerifyResult extends WithRequestIds {
  clean: boolean;
  remaining: number;
  detail?: string;
}

export interface StepInputs {
  contain: ContainInput;
  rollback: RollbackInput;
  assess: AssessInput;
  recover: RecoverInput;
  verify: VerifyInput;
}

export interface StepResults {
  contain: ContainResult;
  rollback: RollbackResult;
  assess: AssessResult;
  recover: RecoverResult;
  verify: VerifyResult;
}

/** What a dry run reports: what the step would do now, changing nothing. */
export interface DryRunResult {
  step: Step;
  summary: string;
  /** Bounded list of human-readable planned actions. */
  actions: string[];
  counts?: Record<string, number>;
}

// --- events ---

interface Stamped {
  /** ISO time the runtime stamps from its clock; the machine never reads a clock itself. */
  at: string;
}
interface ByPerson extends Stamped {
  by: EventActor;
}

export type RequestEvent =
  | ({ type: 'REQUEST'; step: 'contain'; options?: ContainOptions } & ByPerson)
  | ({ type: 'REQUEST'; step: 'rollback'; reason?: string } & ByPerson)
  | ({ type: 'REQUEST'; step: 'recover'; strategy: RecoveryStrategy } & ByPerson);

export type IncidentEvent =
  | RequestEvent
  | ({ type: 'APPROVE'; approvalId: string } & ByPerson)
  | ({ type: 'REJECT'; approvalId: string; reason?: string } & ByPerson)
  | ({ type: 'RETRY'; step: Step } & ByPerson)
  | ({ type: 'ASSESS' } & ByPerson)
  | ({ type: 'CLOSE'; reason?: string } & ByPerson)
  | ({ type: 'CANCEL'; reason?: string } & ByPerson)
  | ({ type: 'EXPIRE'; approvalId: string } & Stamped)
  | ({ type: 'REMIND'; approvalId: string } & Stamped);

export type IncidentEventType = IncidentEvent['type'];

type AsCommand<E> = E extends unknown ? Omit<E, 'at' | 'by'> & { by: string } : never;
/** An event as a person's action hands it to the runtime, which stamps `at` and resolves `by`. */
export type IncidentCommand = AsCommand<Extract<IncidentEvent, { by: EventActor }>>;

export type RefusalReason =
  | 'not-a-responder'
  | 'unknown-approval'
  | 'not-pending'
  | 'expired'
  | 'own-request'
  | 'duplicate-approver'
  | 'reason-required'
  | 'recovery-in-progress'
  | 'approval-stale';

export const REFUSAL_MESSAGES: Record<RefusalReason, string> = {
  'not-a-responder': 'Only configured incident responders can do that.',
  'unknown-approval': 'That approval request does not exist (it may belong to an older message).',
  'not-pending': 'That approval request has already been decided.',
  expired: 'That approval request has expired; request the step again.',
  'own-request': 'You requested this step, so someone else must approve it.',
  'duplicate-approver': 'You have already approved this step; a second responder must approve it.',
  'reason-required': 'Give a reason to close or cancel an incident that is not verified.',
  'recovery-in-progress': 'Not while recovery is running or being verified.',
  'approval-stale':
    'That step was approved longer ago than an approval lasts; request it again so a responder approves it now.',
};

/** Events the machine emits for the runtime (audit, deadlines) and the Slack layer. */
export type IncidentEmitted =
  | {
      type: 'refused';
      event: IncidentEventType;
      approvalId: string | null;
      step: string | null;
      userId: string;
      reason: RefusalReason;
    }
  | {
      type: 'requested';
      approvalId: string;
      step: ApprovalStep;
      params: ApprovalParams;
      userId: string;
      expiresAt: string;
      required: number;
    }
  | {
      type: 'approved';
      approvalId: string;
      step: ApprovalStep;
      userId: string;
      complete: boolean;
      approvals: number;
      required: number;
    }
  | { type: 'rejected'; approvalId: string; step: ApprovalStep; userId: string; reason: string | null }
  | { type: 'expired'; approvalId: string; step: ApprovalStep }
  | { type: 'withdrawn'; approvalId: string; step: ApprovalStep }
  | { type: 'reminder'; approvalId: string; step: ApprovalStep; requestedBy: string; expiresAt: string }
  | { type: 'step.started'; step: Step; attempt: number; userId: string | null; retry: boolean }
  | {
      type: 'step.succeeded';
      step: Step;
      attempt: number;
      result: Record<string, unknown>;
      awsRequestIds: string[];
    }
  | { type: 'step.failed'; step: Step; attempt: number; error: string; awsRequestIds: string[] }
  | { type: 'closed'; outcome: 'resolved' | 'cancelled'; userId: string; reason: string | null };

export type NextStep =
  | { action: 'request'; step: 'contain' | 'rollback' }
  | { action: 'request'; step: 'recover'; strategies: RecoveryStrategy[] }
  | {
      action: 'decide';
      approvalId: string;
      step: ApprovalStep;
      approvals: number;
      required: number;
      expiresAt: string;
    }
  | { action: 'retry'; step: Step }
  | { action: 'assess' }
  | { action: 'dry-run'; step: Step }
  | { action: 'close'; reasonRequired: boolean }
  | { action: 'cancel' };

// --- machine context (persisted in every snapshot; readers such as `ssec incidents` rely on it) ---

type Small<R> = Omit<R, 'awsRequestIds'>;

export interface IncidentContext {
  incidentId: number;
  ref: string;
  buckets: string[];
  accessKeyIds: string[];
  windowStart: string;
  windowEnd: string | null;
  policy: ApprovalPolicy;
  autoAssess: boolean;
  approvals: Record<string, Approval>;
  /** Attempts started per step; the current attempt number is part of the effect's idempotency key. */
  attempts: Record<Step, number>;
  containment: {
    approvalId: string | null;
    options: ContainOptions | null;
    result: Small<ContainResult> | null;
    rollback: Small<RollbackResult> | null;
    error: string | null;
  };
  assessment: {
    summary: Small<AssessResult> | null;
    error: string | null;
  };
  recovery: {
    approvalId: string | null;
    strategy: RecoveryStrategy | null;
    result: Small<RecoverResult> | null;
    verification: Small<VerifyResult> | null;
    error: string | null;
    /** Which step a RETRY should run again: verification that finds leftovers needs recovery again. */
    failedStep: 'recover' | 'verify' | null;
  };
  closure: { outcome: 'resolved' | 'cancelled'; by: string; at: string; reason: string | null } | null;
}
