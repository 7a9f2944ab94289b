import { createActor, fromPromise } from 'xstate';
import { type IncidentSnapshot, incidentMachine } from '../../workflows/incident-machine.ts';
import type {
  ApprovalPolicy,
  AssessResult,
  ContainResult,
  EventActor,
  IncidentEmitted,
  IncidentEvent,
  IncidentInput,
  RecoverResult,
  RollbackResult,
  Step,
  StepInputs,
  StepResults,
  VerifyResult,
} from '../../workflows/types.ts';

export const T0 = Date.parse('2025-01-13T10:00:00.000Z');
export const iso = (ms: number) => new Date(ms).toISOString();
export const MIN = 60_000;

export const POLICY: ApprovalPolicy = { approvalsRequired: 1, twoPersonRule: true, approvalTtlMs: 60 * MIN };

export function incidentInput(over: Partial<IncidentInput> = {}): IncidentInput {
  return {
    incidentId: 7,
    ref: 'INC-7',
    buckets: ['victim-bucket'],
    accessKeyIds: ['AKIAEXAMPLE000000001'],
    windowStart: '2025-01-13T09:00:00.000Z',
    policy: POLICY,
    ...over,
  };
}

export const responder = (userId: string): EventActor => ({ userId, isResponder: true });
export const outsider = (userId: string): EventActor => ({ userId, isResponder: false });

export const RESULTS: StepResults = {
  contain: {
    keysDeactivated: 1,
    bucketsBlocked: 1,
    lifecycleRulesDefused: 1,
    awsRequestIds: ['req-contain-1', 'req-contain-2'],
  } satisfies ContainResult,
  rollback: {
    keysReactivated: 1,
    bucketsUnblocked: 1,
    lifecycleRulesRestored: 1,
    awsRequestIds: ['req-rb'],
  } satisfies RollbackResult,
  assess: {
    affected: 12,
    unrecoverable: 1,
    changed: 14,
    findings: { lifecycleRules: 1 },
    assessRunIds: [3],
    awsRequestIds: [],
  } satisfies AssessResult,
  recover: { restored: 11, failed: 0, unrecoverable: 1, awsRequestIds: ['req-rec'] } satisfies RecoverResult,
  verify: { clean: true, remaining: 0 } satisfies VerifyResult,
};

interface PendingCall<S extends Step> {
  input: StepInputs[S];
  signal: AbortSignal;
  resolve: (r: StepResults[S]) => void;
  reject: (e: unknown) => void;
}

/** Effects as promises the test settles by hand, so every intermediate state can be observed. */
export function controllableEffects() {
  const calls: { [S in Step]: PendingCall<S>[] } = {
    contain: [],
    rollback: [],
    assess: [],
    recover: [],
    verify: [],
  };
  const actor = <S extends Step>(step: S) =>
    fromPromise<StepResults[S], StepInputs[S]>(
      ({ input, signal }) =>
        new Promise<StepResults[S]>((resolve, reject) => {
          (calls[step] as PendingCall<S>[]).push({ input, signal, resolve, reject });
        }),
    );
  const last = <S extends Step>(step: S): PendingCall<S> => {
    const list = calls[step] as PendingCall<S>[];
    const call = list[list.length - 1];
    if (!call) throw new Error(`no call of ${step} yet`);
    return call;
  };
  return {
    calls,
    actors: {
      contain: actor('contain'),
      rollbackContainment: actor('rollback'),
      assess: actor('assess'),
      recover: actor('recover'),
      verify: actor('verify'),
    },
    last,
    async resolve<S extends Step>(step: S, result: StepResults[S] = RESULTS[step]) {
      last(step).resolve(result);
      await settle();
    },
    async reject(step: Step, error: unknown) {
      last(step).reject(error);
      await settle();
    },
  };
}

/** Lets promise callbacks and the events they send run to completion. */
export const settle = () => new Promise<void>((r) => setImmediate(r));

export function startIncident(input: IncidentInput = incidentInput(), snapshot?: unknown) {
  const fx = controllableEffects();
  const machine = incidentMachine.provide({ actors: fx.actors });
  const actor = createActor(machine, snapshot ? { snapshot: snapshot as never, input } : { input });
  const emitted: IncidentEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  let now = T0;
  const at = () => iso(now);
  return {
    actor,
    fx,
    emitted,
    snap: (): IncidentSnapshot => actor.getSnapshot(),
    /** Moves this test's clock; the machine only sees time through the events' `at`. */
    advance(ms: number) {
      now += ms;
    },
    at,
    send(event: DistributiveOmit<IncidentEvent, 'at'> & { at?: string }) {
      actor.send({ at: at(), ...event } as IncidentEvent);
    },
    region(name: 'containment' | 'assessment' | 'recovery'): string {
      const value = actor.getSnapshot().value as { open?: Record<string, string> };
      return value.open?.[name] ?? String(actor.getSnapshot().value);
    },
  };
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
