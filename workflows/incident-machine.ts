import {
  type ActorRefFrom,
  and,
  assign,
  emit,
  enqueueActions,
  fromPromise,
  not,
  or,
  type SnapshotFrom,
  setup,
  stateIn,
} from 'xstate';
import type {
  Approval,
  ApprovalParams,
  ApprovalStep,
  AssessInput,
  AssessResult,
  ContainInput,
  ContainOptions,
  ContainResult,
  EventActor,
  IncidentContext,
  IncidentEmitted,
  IncidentEvent,
  IncidentEventType,
  IncidentInput,
  NextStep,
  Phase,
  RecoverInput,
  RecoverResult,
  RefusalReason,
  RollbackInput,
  RollbackResult,
  Step,
  StepInputs,
  VerifyInput,
  VerifyResult,
} from './types.ts';
import { RECOVERY_STRATEGIES } from './types.ts';

export const INCIDENT_MACHINE_ID = 'incident';
/** Bump when a change would make older persisted snapshots restore wrongly (renamed states, context). */
export const INCIDENT_MACHINE_VERSION = 1;

const DEFAULT_CONTAIN_OPTIONS: Required<ContainOptions> = {
  deactivateKeys: true,
  attachDenyAll: true,
  revokeSessions: true,
  blockSseC: true,
  defuseLifecycle: true,
};

// The machine names its effects; the runtime provides the real ones with `machine.provide()`.
const notProvided = (name: string) => async (): Promise<never> => {
  throw new Error(`effect "${name}" is not provided`);
};

type AnyEvent = IncidentEvent | { type: string };

const byOf = (event: AnyEvent): EventActor | null =>
  'by' in event && typeof event.by === 'object' && event.by !== null ? (event.by as EventActor) : null;

const atOf = (event: AnyEvent): number => ('at' in event ? Date.parse(String(event.at)) : Number.NaN);

const approvalIdOf = (event: AnyEvent): string | null =>
  'approvalId' in event && typeof event.approvalId === 'string' ? event.approvalId : null;

const approvalOf = (context: IncidentContext, id: string | null | undefined): Approval | undefined =>
  id ? context.approvals[id] : undefined;

function errorMessage(error: unknown): string {
  const text =
    error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
  // Error texts end up in snapshots and Slack; a runaway message must not bloat either.
  return (text ?? 'unknown error').slice(0, 500);
}

function withoutRequestIds<R extends { awsRequestIds?: string[] }>(result: R): Omit<R, 'awsRequestIds'> {
  const { awsRequestIds: _ids, ...rest } = result;
  return rest;
}

function nextApprovalId(context: IncidentContext, step: ApprovalStep): string {
  const n = Object.values(context.approvals).filter((a) => a.step === step).length + 1;
  return `${step}-${n}`;
}

function refusal(context: IncidentContext, event: AnyEvent, reason: RefusalReason): IncidentEmitted {
  const approvalId = approvalIdOf(event);
  const step =
    'step' in event && typeof event.step === 'string'
      ? event.step
      : (approvalOf(context, approvalId)?.step ?? null);
  return {
    type: 'refused',
    event: event.type as IncidentEventType,
    approvalId,
    step,
    userId: byOf(event)?.userId ?? 'system',
    reason,
  };
}

const isPending = (a: Approval | undefined): a is Approval => a?.status === 'pending';
const isClosedApproval = (a: Approval | undefined) =>
  a !== undefined && a.status !== 'pending' && a.status !== 'approved';

// State values used by guards and by phaseOf/nextSteps.
const CONTAINMENT_IN_PLACE = or([
  stateIn({ open: { containment: 'contained' } }),
  stateIn({ open: { containment: 'awaitingRollbackApproval' } }),
]);
const RECOVERY_PREREQUISITES = and([CONTAINMENT_IN_PLACE, stateIn({ open: { assessment: 'done' } })]);
const RECOVERY_BUSY = or([
  stateIn({ open: { recovery: 'awaitingApproval' } }),
  stateIn({ open: { recovery: 'executing' } }),
  stateIn({ open: { recovery: 'verifying' } }),
]);
const RECOVERY_RUNNING = or([
  stateIn({ open: { recovery: 'executing' } }),
  stateIn({ open: { recovery: 'verifying' } }),
]);

// A typed reference to the parameterised `isStep` guard.
const forStep = (step: Step) => ({ type: 'isStep', params: { step } }) as const;
const refuseAs = (reason: RefusalReason) => ({ type: 'refuse', params: { reason } }) as const;
// Every step's REQUEST and RETRY is refused first for someone who is not a responder.
const refuseNonResponder = (step: Step) =>
  ({ guard: and([forStep(step), 'notResponder']), actions: refuseAs('not-a-responder') }) as const;
// The audit trail's record of a step's outcome, taken from the invoked effect's done or error event.
const stepSucceeded = (step: Step) =>
  ({
    type: 'stepSucceeded',
    params: ({ event }: { event: { output: { awsRequestIds?: string[] } } }) => ({
      step,
      output: event.output,
    }),
  }) as const;
const stepFailed = (step: Step) =>
  ({
    type: 'stepFailed',
    params: ({ event }: { event: { error: unknown } }) => ({ step, error: event.error }),
  }) as const;
// A RETRY acts on the approval the step already has: only while that approval is as fresh as an
// approval request may be old, so hours later the situation is looked at again by two people.
const refuseStaleApproval = (step: Step) =>
  ({ guard: and([forStep(step), not('approvalFresh')]), actions: refuseAs('approval-stale') }) as const;
/** REQUEST for a step: refused for a non-responder, else opens the approval and waits in `target`. */
const requestApproval = (step: Step, target: string) =>
  [refuseNonResponder(step), { guard: forStep(step), target, actions: 'openApproval' }] as const;

export function effectInput<S extends Step>(
  context: IncidentContext,
  step: S,
  attempt: number,
): StepInputs[S] {
  const base = { incidentId: context.incidentId, attempt, buckets: [...context.buckets] };
  const runIds = context.assessment.summary?.assessRunIds ?? [];
  const inputs: StepInputs = {
    contain: {
      ...base,
      accessKeyIds: [...context.accessKeyIds],
      options: { ...DEFAULT_CONTAIN_OPTIONS, ...(context.containment.options ?? {}) },
    },
    rollback: { ...base, accessKeyIds: [...context.accessKeyIds], containAttempt: context.attempts.contain },
    assess: {
      ...base,
      accessKeyIds: [...context.accessKeyIds],
      windowStart: context.windowStart,
      windowEnd: context.windowEnd,
    },
    recover: { ...base, strategy: context.recovery.strategy ?? 'versions', assessRunIds: [...runIds] },
    verify: { ...base, assessRunIds: [...runIds] },
  };
  return inputs[step];
}

export const incidentMachine = setup({
  types: {
    context: {} as IncidentContext,
    events: {} as IncidentEvent,
    input: {} as IncidentInput,
    emitted: {} as IncidentEmitted,
    output: {} as IncidentContext['closure'],
  },
  actors: {
    contain: fromPromise<ContainResult, ContainInput>(notProvided('contain')),
    rollbackContainment: fromPromise<RollbackResult, RollbackInput>(notProvided('rollbackContainment')),
    assess: fromPromise<AssessResult, AssessInput>(notProvided('assess')),
    recover: fromPromise<RecoverResult, RecoverInput>(notProvided('recover')),
    verify: fromPromise<VerifyResult, VerifyInput>(notProvided('verify')),
  },
  guards: {
    notResponder: ({ event }) => !byOf(event)?.isResponder,
    unknownApproval: ({ context, event }) => approvalOf(context, approvalIdOf(event)) === undefined,
    notPending: ({ context, event }) => !isPending(approvalOf(context, approvalIdOf(event))),
    pastExpiry: ({ context, event }) => {
      const a = approvalOf(context, approvalIdOf(event));
      // An unparseable time counts as late: refusing is the safe side.
      return a !== undefined && !(atOf(event) < Date.parse(a.expiresAt));
    },
    ownRequest: ({ context, event }) => {
      const a = approvalOf(context, approvalIdOf(event));
      return context.policy.twoPersonRule && a?.requestedBy === byOf(event)?.userId;
    },
    duplicateApprover: ({ context, event }) => {
      const a = approvalOf(context, approvalIdOf(event));
      const userId = byOf(event)?.userId;
      return a?.approvers.some((x) => x.userId === userId) ?? false;
    },
    expirable: ({ context, event }) => {
      const a = approvalOf(context, approvalIdOf(event));
      return isPending(a) && atOf(event) >= Date.parse(a.expiresAt);
    },
    remindable: ({ context, event }) => {
      const a = approvalOf(context, approvalIdOf(event));
      return isPending(a) && atOf(event) < Date.parse(a.expiresAt);
    },
    hasReason: ({ event }) =>
      'reason' in event && typeof event.reason === 'string' && event.reason.trim() !== '',
    isStep: ({ event }, params: { step: Step }) => 'step' in event && event.step === params.step,
    containmentApproved: ({ context }) =>
      approvalOf(context, context.containment.approvalId)?.status === 'approved',
    containmentApprovalClosed: ({ context }) =>
      isClosedApproval(approvalOf(context, context.containment.approvalId)),
    recoveryApproved: ({ context }) =>
      approvalOf(context, context.recovery.approvalId)?.status === 'approved',
    recoveryApprovalClosed: ({ context }) =>
      isClosedApproval(approvalOf(context, context.recovery.approvalId)),
    autoAssessOnce: ({ context }) => context.autoAssess && context.attempts.assess === 0,
    recoveryResultKnown: ({ context }) => context.recovery.result !== null,
    approvalFresh: ({ context, event }) => {
      const step = 'step' in event ? event.step : undefined;
      const a = approvalOf(
        context,
        step === 'recover' ? context.recovery.approvalId : context.containment.approvalId,
      );
      // An unparseable time counts as stale: refusing is the safe side.
      return (
        a?.status === 'approved' &&
        a.step === step &&
        a.decidedAt !== null &&
        atOf(event) < Date.parse(a.decidedAt) + context.policy.approvalTtlMs
      );
    },
  },
  actions: {
    refuse: emit(({ context, event }, params: { reason: RefusalReason }) =>
      refusal(context, event, params.reason),
    ),
    openApproval: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'REQUEST') return;
      const id = nextApprovalId(context, event.step);
      const params: ApprovalParams =
        event.step === 'contain'
          ? { step: 'contain', options: { ...DEFAULT_CONTAIN_OPTIONS, ...(event.options ?? {}) } }
          : event.step === 'rollback'
            ? { step: 'rollback', reason: event.reason?.trim() || null }
            : { step: 'recover', strategy: event.strategy };
      const approval: Approval = {
        id,
        step: event.step,
        params,
        requestedBy: event.by.userId,
        requestedAt: event.at,
        expiresAt: new Date(Date.parse(event.at) + context.policy.approvalTtlMs).toISOString(),
        required: context.policy.approvalsRequired,
        approvers: [],
        status: 'pending',
        decidedBy: null,
        decidedAt: null,
        reason: null,
      };
      const approvals = { ...context.approvals, [id]: approval };
      if (params.step === 'recover') {
        enqueue.assign({
          approvals,
          recovery: { ...context.recovery, approvalId: id, strategy: params.strategy },
        });
      } else if (params.step === 'contain') {
        enqueue.assign({
          approvals,
          containment: { ...context.containment, approvalId: id, options: params.options },
        });
      } else {
        enqueue.assign({ approvals, containment: { ...context.containment, approvalId: id } });
      }
      enqueue.emit({
        type: 'requested',
        approvalId: id,
        step: event.step,
        params,
        userId: event.by.userId,
        expiresAt: approval.expiresAt,
        required: approval.required,
      });
    }),
    recordApproval: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'APPROVE') return;
      const a = context.approvals[event.approvalId]!;
      const approvers = [...a.approvers, { userId: event.by.userId, at: event.at }];
      const complete = approvers.length >= a.required;
      const next: Approval = complete
        ? { ...a, approvers, status: 'approved', decidedBy: event.by.userId, decidedAt: event.at }
        : { ...a, approvers };
      enqueue.assign({ approvals: { ...context.approvals, [a.id]: next } });
      enqueue.emit({
        type: 'approved',
        approvalId: a.id,
        step: a.step,
        userId: event.by.userId,
        complete,
        approvals: approvers.length,
        required: a.required,
      });
    }),
    rejectApproval: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'REJECT') return;
      const a = context.approvals[event.approvalId]!;
      const reason = event.reason?.trim() || null;
      enqueue.assign({
        approvals: {
          ...context.approvals,
          [a.id]: { ...a, status: 'rejected', decidedBy: event.by.userId, decidedAt: event.at, reason },
        },
      });
      enqueue.emit({ type: 'rejected', approvalId: a.id, step: a.step, userId: event.by.userId, reason });
    }),
    expireApproval: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'EXPIRE') return;
      const a = context.approvals[event.approvalId]!;
      enqueue.assign({
        approvals: {
          ...context.approvals,
          [a.id]: { ...a, status: 'expired', decidedBy: null, decidedAt: event.at },
        },
      });
      enqueue.emit({ type: 'expired', approvalId: a.id, step: a.step });
    }),
    remind: emit(({ context, event }) => {
      const a = context.approvals[approvalIdOf(event) ?? '']!;
      return {
        type: 'reminder' as const,
        approvalId: a.id,
        step: a.step,
        requestedBy: a.requestedBy,
        expiresAt: a.expiresAt,
      };
    }),
    startStep: enqueueActions(({ context, event, enqueue }, params: { step: Step }) => {
      const attempt = context.attempts[params.step] + 1;
      enqueue.assign({ attempts: { ...context.attempts, [params.step]: attempt } });
      enqueue.emit({
        type: 'step.started',
        step: params.step,
        attempt,
        userId: byOf(event)?.userId ?? null,
        retry: event.type === 'RETRY',
      });
    }),
    stepSucceeded: emit(({ context }, params: { step: Step; output: { awsRequestIds?: string[] } }) => ({
      type: 'step.succeeded' as const,
      step: params.step,
      attempt: context.attempts[params.step],
      result: withoutRequestIds(params.output) as Record<string, unknown>,
      awsRequestIds: params.output.awsRequestIds ?? [],
    })),
    stepFailed: emit(({ context }, params: { step: Step; error: unknown }) => ({
      type: 'step.failed' as const,
      step: params.step,
      attempt: context.attempts[params.step],
      error: errorMessage(params.error),
      awsRequestIds: [],
    })),
    close: enqueueActions(({ context, event, enqueue }, params: { outcome: 'resolved' | 'cancelled' }) => {
      const by = byOf(event)?.userId ?? 'system';
      const at = 'at' in event ? String(event.at) : new Date(0).toISOString();
      const reason =
        'reason' in event && typeof event.reason === 'string' ? event.reason.trim() || null : null;
      // Pending approvals die with the incident, so a late click cannot start anything.
      const approvals = { ...context.approvals };
      for (const a of Object.values(context.approvals)) {
        if (a.status !== 'pending') continue;
        approvals[a.id] = { ...a, status: 'withdrawn', decidedAt: at };
        enqueue.emit({ type: 'withdrawn', approvalId: a.id, step: a.step });
      }
      enqueue.assign({ approvals, closure: { outcome: params.outcome, by, at, reason } });
      enqueue.emit({ type: 'closed', outcome: params.outcome, userId: by, reason });
    }),
  },
}).createMachine({
  id: INCIDENT_MACHINE_ID,
  context: ({ input }) => ({
    incidentId: input.incidentId,
    ref: input.ref,
    buckets: [...input.buckets],
    accessKeyIds: [...input.accessKeyIds],
    windowStart: input.windowStart,
    windowEnd: input.windowEnd ?? null,
    policy: { ...input.policy },
    autoAssess: input.autoAssess ?? true,
    approvals: {},
    attempts: { contain: 0, rollback: 0, assess: 0, recover: 0, verify: 0 },
    containment: { approvalId: null, options: null, result: null, rollback: null, error: null },
    assessment: { summary: null, error: null },
    recovery: {
      approvalId: null,
      strategy: null,
      result: null,
      verification: null,
      error: null,
      failedStep: null,
    },
    closure: null,
  }),
  initial: 'open',
  output: ({ context }) => context.closure,
  states: {
    open: {
      type: 'parallel',
      // Decisions are handled here, not in the regions, so a stale or foreign approval id is refused
      // whatever state the regions are in; the regions react to the decision with eventless transitions.
      on: {
        APPROVE: [
          { guard: 'notResponder', actions: refuseAs('not-a-responder') },
          { guard: 'unknownApproval', actions: refuseAs('unknown-approval') },
          { guard: 'notPending', actions: refuseAs('not-pending') },
          { guard: 'pastExpiry', actions: refuseAs('expired') },
          { guard: 'ownRequest', actions: refuseAs('own-request') },
          {
            guard: 'duplicateApprover',
            actions: refuseAs('duplicate-approver'),
          },
          { actions: 'recordApproval' },
        ],
        REJECT: [
          { guard: 'notResponder', actions: refuseAs('not-a-responder') },
          { guard: 'unknownApproval', actions: refuseAs('unknown-approval') },
          { guard: 'notPending', actions: refuseAs('not-pending') },
          { guard: 'pastExpiry', actions: refuseAs('expired') },
          { actions: 'rejectApproval' },
        ],
        EXPIRE: { guard: 'expirable', actions: 'expireApproval' },
        REMIND: { guard: 'remindable', actions: 'remind' },
        CLOSE: [
          { guard: 'notResponder', actions: refuseAs('not-a-responder') },
          {
            guard: or([stateIn({ open: { recovery: 'verified' } }), 'hasReason']),
            target: '#incident.resolved',
            actions: { type: 'close', params: { outcome: 'resolved' } },
          },
          { actions: refuseAs('reason-required') },
        ],
        CANCEL: [
          { guard: 'notResponder', actions: refuseAs('not-a-responder') },
          { guard: not('hasReason'), actions: refuseAs('reason-required') },
          { target: '#incident.cancelled', actions: { type: 'close', params: { outcome: 'cancelled' } } },
        ],
      },
      states: {
        containment: {
          initial: 'idle',
          states: {
            idle: {
              on: {
                REQUEST: requestApproval('contain', 'awaitingApproval'),
              },
            },
            awaitingApproval: {
              always: [
                { guard: 'containmentApproved', target: 'executing' },
                { guard: 'containmentApprovalClosed', target: 'idle' },
              ],
            },
            executing: {
              entry: { type: 'startStep', params: { step: 'contain' } },
              invoke: {
                id: 'contain',
                src: 'contain',
                input: ({ context }) => effectInput(context, 'contain', context.attempts.contain),
                onDone: {
                  target: 'contained',
                  actions: [
                    assign(({ context, event }) => ({
                      containment: {
                        ...context.containment,
                        result: withoutRequestIds(event.output),
                        error: null,
                      },
                    })),
                    stepSucceeded('contain'),
                  ],
                },
                onError: {
                  target: 'failed',
                  actions: [
                    assign(({ context, event }) => ({
                      containment: { ...context.containment, error: errorMessage(event.error) },
                    })),
                    stepFailed('contain'),
                  ],
                },
              },
            },
            failed: {
              on: {
                RETRY: [
                  refuseNonResponder('contain'),
                  refuseStaleApproval('contain'),
                  { guard: forStep('contain'), target: 'executing' },
                ],
                REQUEST: requestApproval('contain', 'awaitingApproval'),
              },
            },
            contained: {
              on: {
                REQUEST: [
                  refuseNonResponder('rollback'),
                  {
                    guard: and([forStep('rollback'), RECOVERY_BUSY]),
                    actions: refuseAs('recovery-in-progress'),
                  },
                  {
                    guard: forStep('rollback'),
                    target: 'awaitingRollbackApproval',
                    actions: 'openApproval',
                  },
                ],
              },
            },
            awaitingRollbackApproval: {
              always: [
                // An approved rollback waits while recovery runs: re-enabling a stolen key mid-restore helps nobody.
                { guard: and(['containmentApproved', not(RECOVERY_BUSY)]), target: 'rollingBack' },
                { guard: 'containmentApprovalClosed', target: 'contained' },
              ],
            },
            rollingBack: {
              entry: { type: 'startStep', params: { step: 'rollback' } },
              invoke: {
                id: 'rollbackContainment',
                src: 'rollbackContainment',
                input: ({ context }) => effectInput(context, 'rollback', context.attempts.rollback),
                onDone: {
                  target: 'idle',
                  actions: [
                    assign(({ context, event }) => ({
                      containment: {
                        ...context.containment,
                        result: null,
                        rollback: withoutRequestIds(event.output),
                        error: null,
                      },
                    })),
                    stepSucceeded('rollback'),
                  ],
                },
                onError: {
                  target: 'rollbackFailed',
                  actions: [
                    assign(({ context, event }) => ({
                      containment: { ...context.containment, error: errorMessage(event.error) },
                    })),
                    stepFailed('rollback'),
                  ],
                },
              },
            },
            rollbackFailed: {
              on: {
                RETRY: [
                  refuseNonResponder('rollback'),
                  refuseStaleApproval('rollback'),
                  { guard: forStep('rollback'), target: 'rollingBack' },
                ],
                REQUEST: requestApproval('contain', 'awaitingApproval'),
              },
            },
          },
        },
        assessment: {
          initial: 'idle',
          states: {
            idle: {
              always: { guard: 'autoAssessOnce', target: 'running' },
              on: {
                ASSESS: [
                  {
                    guard: 'notResponder',
                    actions: refuseAs('not-a-responder'),
                  },
                  { target: 'running' },
                ],
              },
            },
            running: {
              entry: { type: 'startStep', params: { step: 'assess' } },
              invoke: {
                id: 'assess',
                src: 'assess',
                input: ({ context }) => effectInput(context, 'assess', context.attempts.assess),
                onDone: {
                  target: 'done',
                  actions: [
                    assign(({ context, event }) => ({
                      assessment: {
                        ...context.assessment,
                        summary: withoutRequestIds(event.output),
                        error: null,
                      },
                    })),
                    stepSucceeded('assess'),
                  ],
                },
                onError: {
                  target: 'failed',
                  actions: [
                    assign(({ context, event }) => ({
                      assessment: { ...context.assessment, error: errorMessage(event.error) },
                    })),
                    stepFailed('assess'),
                  ],
                },
              },
            },
            done: {
              on: {
                ASSESS: [
                  {
                    guard: 'notResponder',
                    actions: refuseAs('not-a-responder'),
                  },
                  // Re-scanning under a running restore would hand recovery a moving target.
                  {
                    guard: RECOVERY_RUNNING,
                    actions: refuseAs('recovery-in-progress'),
                  },
                  { target: 'running' },
                ],
              },
            },
            failed: {
              on: {
                RETRY: [refuseNonResponder('assess'), { guard: forStep('assess'), target: 'running' }],
                ASSESS: [
                  {
                    guard: 'notResponder',
                    actions: refuseAs('not-a-responder'),
                  },
                  { target: 'running' },
                ],
              },
            },
          },
        },
        recovery: {
          initial: 'blocked',
          states: {
            blocked: {
              always: { guard: RECOVERY_PREREQUISITES, target: 'ready' },
            },
            ready: {
              always: { guard: not(RECOVERY_PREREQUISITES), target: 'blocked' },
              on: {
                REQUEST: requestApproval('recover', 'awaitingApproval'),
              },
            },
            awaitingApproval: {
              always: [
                // Approved but a re-assessment is still running: wait for it, then go.
                { guard: and(['recoveryApproved', RECOVERY_PREREQUISITES]), target: 'executing' },
                { guard: 'recoveryApprovalClosed', target: 'ready' },
              ],
            },
            executing: {
              entry: { type: 'startStep', params: { step: 'recover' } },
              invoke: {
                id: 'recover',
                src: 'recover',
                input: ({ context }) => effectInput(context, 'recover', context.attempts.recover),
                onDone: {
                  target: 'verifying',
                  actions: [
                    assign(({ context, event }) => ({
                      recovery: {
                        ...context.recovery,
                        result: withoutRequestIds(event.output),
                        error: null,
                        failedStep: null,
                      },
                    })),
                    stepSucceeded('recover'),
                  ],
                },
                onError: {
                  target: 'failed',
                  actions: [
                    assign(({ context, event }) => ({
                      recovery: {
                        ...context.recovery,
                        error: errorMessage(event.error),
                        failedStep: 'recover',
                      },
                    })),
                    stepFailed('recover'),
                  ],
                },
              },
            },
            verifying: {
              entry: { type: 'startStep', params: { step: 'verify' } },
              invoke: {
                id: 'verify',
                src: 'verify',
                input: ({ context }) => effectInput(context, 'verify', context.attempts.verify),
                onDone: [
                  {
                    guard: ({ event }) => event.output.clean,
                    target: 'verified',
                    actions: [
                      assign(({ context, event }) => ({
                        recovery: {
                          ...context.recovery,
                          verification: withoutRequestIds(event.output),
                          error: null,
                        },
                      })),
                      stepSucceeded('verify'),
                    ],
                  },
                  {
                    target: 'failed',
                    actions: [
                      assign(({ context, event }) => ({
                        recovery: {
                          ...context.recovery,
                          verification: withoutRequestIds(event.output),
                          error: `verification found ${event.output.remaining} object(s) still not restored${
                            event.output.detail ? `: ${event.output.detail}` : ''
                          }`,
                          // Leftovers need the restore run again (it skips what is already done).
                          failedStep: 'recover',
                        },
                      })),
                      {
                        type: 'stepFailed',
                        params: ({ context }) => ({ step: 'verify', error: context.recovery.error }),
                      },
                    ],
                  },
                ],
                onError: {
                  target: 'failed',
                  actions: [
                    assign(({ context, event }) => ({
                      recovery: {
                        ...context.recovery,
                        error: errorMessage(event.error),
                        failedStep: 'verify',
                      },
                    })),
                    stepFailed('verify'),
                  ],
                },
              },
            },
            verified: {},
            failed: {
              on: {
                RETRY: [
                  {
                    guard: and([or([forStep('recover'), forStep('verify')]), 'notResponder']),
                    actions: refuseAs('not-a-responder'),
                  },
                  refuseStaleApproval('recover'),
                  {
                    guard: and([forStep('recover'), RECOVERY_PREREQUISITES]),
                    target: 'executing',
                  },
                  {
                    guard: and([forStep('verify'), 'recoveryResultKnown']),
                    target: 'verifying',
                  },
                ],
                REQUEST: [
                  refuseNonResponder('recover'),
                  {
                    guard: and([forStep('recover'), RECOVERY_PREREQUISITES]),
                    target: 'awaitingApproval',
                    actions: 'openApproval',
                  },
                ],
              },
            },
          },
        },
      },
    },
    resolved: { type: 'final' },
    cancelled: { type: 'final' },
  },
});

export type IncidentMachine = typeof incidentMachine;
export type IncidentSnapshot = SnapshotFrom<IncidentMachine>;
export type IncidentActorRef = ActorRefFrom<IncidentMachine>;

type Region = 'containment' | 'assessment' | 'recovery';

function regionState(snapshot: IncidentSnapshot, region: Region): string | null {
  const value = snapshot.value;
  if (typeof value !== 'object' || value === null || !('open' in value)) return null;
  const open = (value as { open: Record<Region, string> }).open;
  return open[region] ?? null;
}

/** Where the incident stands, for humans: the furthest the workflow has come. */
export function phaseOf(snapshot: IncidentSnapshot): Phase {
  if (snapshot.matches('resolved')) return 'resolved';
  if (snapshot.matches('cancelled')) return 'cancelled';
  const c = regionState(snapshot, 'containment');
  const a = regionState(snapshot, 'assessment');
  const r = regionState(snapshot, 'recovery');
  const ctx = snapshot.context;
  if (r === 'verifying' || r === 'verified' || (r === 'failed' && ctx.recovery.failedStep === 'verify'))
    return 'verify';
  if (r !== 'blocked' && r !== null) return 'recover';
  if (c === 'contained' || c === 'awaitingRollbackApproval') return a === 'done' ? 'recover' : 'assess';
  const everContained =
    ctx.attempts.contain > 0 || Object.values(ctx.approvals).some((x) => x.step === 'contain');
  return c === 'idle' && !everContained ? 'reported' : 'contain';
}

/** The requests and buttons that make sense now; the Slack layer renders them. */
export function nextSteps(snapshot: IncidentSnapshot): NextStep[] {
  if (snapshot.status !== 'active' || !snapshot.matches('open')) return [];
  const ctx = snapshot.context;
  const c = regionState(snapshot, 'containment');
  const a = regionState(snapshot, 'assessment');
  const r = regionState(snapshot, 'recovery');
  const recoveryBusy = r === 'awaitingApproval' || r === 'executing' || r === 'verifying';
  const steps: NextStep[] = [];

  for (const approval of Object.values(ctx.approvals)) {
    if (approval.status !== 'pending') continue;
    steps.push({
      action: 'decide',
      approvalId: approval.id,
      step: approval.step,
      approvals: approval.approvers.length,
      required: approval.required,
      expiresAt: approval.expiresAt,
    });
  }

  if (c === 'idle' || c === 'failed' || c === 'rollbackFailed') {
    steps.push({ action: 'request', step: 'contain' }, { action: 'dry-run', step: 'contain' });
  }
  if (c === 'failed') steps.push({ action: 'retry', step: 'contain' });
  if (c === 'rollbackFailed') steps.push({ action: 'retry', step: 'rollback' });
  if (c === 'contained' && !recoveryBusy) {
    steps.push({ action: 'request', step: 'rollback' }, { action: 'dry-run', step: 'rollback' });
  }

  if (a === 'idle' || a === 'failed' || (a === 'done' && r !== 'executing' && r !== 'verifying')) {
    steps.push({ action: 'assess' }, { action: 'dry-run', step: 'assess' });
  }
  if (a === 'failed') steps.push({ action: 'retry', step: 'assess' });

  const prerequisites = (c === 'contained' || c === 'awaitingRollbackApproval') && a === 'done';
  if (r === 'ready' || (r === 'failed' && prerequisites)) {
    steps.push(
      { action: 'request', step: 'recover', strategies: [...RECOVERY_STRATEGIES] },
      { action: 'dry-run', step: 'recover' },
    );
  }
  if (r === 'failed') {
    if (ctx.recovery.failedStep === 'verify' && ctx.recovery.result !== null) {
      steps.push({ action: 'retry', step: 'verify' });
    } else if (prerequisites) {
      steps.push({ action: 'retry', step: 'recover' });
    }
  }

  steps.push({ action: 'close', reasonRequired: r !== 'verified' }, { action: 'cancel' });
  return steps;
}
