import fc from 'fast-check';
import { expect, test } from 'vitest';
import { type AnyEventObject, initialTransition, transition } from 'xstate';
import { type IncidentSnapshot, incidentMachine } from '../../../workflows/incident-machine.ts';
import type {
  ApprovalPolicy,
  IncidentContext,
  IncidentEmitted,
  IncidentEvent,
  Step,
} from '../../../workflows/types.ts';
import { incidentInput, iso, MIN, RESULTS, T0 } from '../../helpers/workflow.ts';

// Random sequences of clicks, sweeper events and effect outcomes, run through xstate's pure
// `transition` (effects are not run; their done/error events are part of the sequence). Whatever the
// order, the security rules of the design must hold.

const RESPONDERS = ['U-A', 'U-B', 'U-C'];
const USERS = [...RESPONDERS, 'U-OUT'];
const APPROVAL_IDS = ['contain-1', 'contain-2', 'rollback-1', 'recover-1', 'recover-2', 'bogus-1'];
const STEPS: Step[] = ['contain', 'rollback', 'assess', 'recover', 'verify'];
const INVOKES: Record<Step, string> = {
  contain: 'contain',
  rollback: 'rollbackContainment',
  assess: 'assess',
  recover: 'recover',
  verify: 'verify',
};

type MakeEvent = (
  at: string,
  by: { userId: string; isResponder: boolean },
  ctx: IncidentContext,
) => IncidentEvent;
type Move =
  | { kind: 'event'; dt: number; user: string; make: MakeEvent }
  | { kind: 'sweeper'; dt: number; type: 'EXPIRE' | 'REMIND'; approvalId: PickApproval }
  | { kind: 'effect'; dt: number; pick: number; outcome: 'ok' | 'error' | 'dirty' };

// Mostly quick clicks, sometimes long enough for an approval to expire.
const dt = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 5 * MIN }) },
  { weight: 1, arbitrary: fc.integer({ min: 5 * MIN, max: 70 * MIN }) },
);
const user = fc.constantFrom(...USERS);
const step = fc.constantFrom<Step>('contain', 'rollback', 'assess', 'recover', 'verify');
// Mostly an approval that exists (picked when the move runs), sometimes a stale or made-up one.
type PickApproval = (ctx: IncidentContext) => string;
const approvalId: fc.Arbitrary<PickApproval> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.nat().map((n) => (ctx: IncidentContext) => {
      const ids = Object.keys(ctx.approvals);
      return ids[n % Math.max(ids.length, 1)] ?? 'contain-1';
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(...APPROVAL_IDS).map((id) => () => id) },
);

const person = (make: MakeEvent) => fc.record({ dt, user }).map((r): Move => ({ kind: 'event', ...r, make }));

const move: fc.Arbitrary<Move> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('contain', 'rollback')
      .chain((s) => person((at, by) => ({ type: 'REQUEST', step: s as 'contain', at, by }))),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('versions', 'backup', 'batch')
      .chain((strategy) =>
        person((at, by) => ({ type: 'REQUEST', step: 'recover', strategy: strategy as 'versions', at, by })),
      ),
  },
  {
    weight: 5,
    arbitrary: approvalId.chain((id) =>
      person((at, by, ctx) => ({ type: 'APPROVE', approvalId: id(ctx), at, by })),
    ),
  },
  {
    weight: 2,
    arbitrary: approvalId.chain((id) =>
      person((at, by, ctx) => ({ type: 'REJECT', approvalId: id(ctx), at, by })),
    ),
  },
  { weight: 2, arbitrary: step.chain((s) => person((at, by) => ({ type: 'RETRY', step: s, at, by }))) },
  { weight: 1, arbitrary: person((at, by) => ({ type: 'ASSESS', at, by })) },
  // Ending the incident is rare, so most sequences get far.
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(undefined, undefined, undefined, 'because')
      .chain((reason) => person((at, by) => ({ type: 'CLOSE', reason, at, by }))),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(undefined, undefined, undefined, 'because')
      .chain((reason) => person((at, by) => ({ type: 'CANCEL', reason, at, by }))),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ dt, type: fc.constantFrom<'EXPIRE' | 'REMIND'>('EXPIRE', 'REMIND'), approvalId })
      .map((r): Move => ({ kind: 'sweeper', ...r })),
  },
  {
    weight: 5,
    arbitrary: fc
      .record({
        dt,
        pick: fc.nat(),
        outcome: fc.constantFrom<'ok' | 'error' | 'dirty'>('ok', 'ok', 'ok', 'error', 'dirty'),
      })
      .map((r): Move => ({ kind: 'effect', ...r })),
  },
);

const policy = fc.record<ApprovalPolicy>({
  approvalsRequired: fc.constantFrom<1 | 2>(1, 2),
  twoPersonRule: fc.boolean(),
  approvalTtlMs: fc.constantFrom(30 * MIN, 60 * MIN),
});

function eventOf(m: Move, at: string, s: IncidentSnapshot): AnyEventObject | null {
  if (m.kind === 'event')
    return m.make(at, { userId: m.user, isResponder: RESPONDERS.includes(m.user) }, s.context);
  if (m.kind === 'sweeper') return { type: m.type, approvalId: m.approvalId(s.context), at };
  // Effect outcomes only come from effects that are running.
  const running = STEPS.filter((step) => INVOKES[step] in s.children);
  const step = running[m.pick % Math.max(running.length, 1)];
  if (!step) return null;
  if (m.outcome === 'error') return { type: `xstate.error.actor.${INVOKES[step]}`, error: new Error('boom') };
  const output = step === 'verify' && m.outcome === 'dirty' ? { clean: false, remaining: 3 } : RESULTS[step];
  return { type: `xstate.done.actor.${INVOKES[step]}`, output };
}

function regions(s: IncidentSnapshot): Record<string, string> {
  return typeof s.value === 'object' ? (s.value as { open: Record<string, string> }).open : {};
}

function checkInvariants(s: IncidentSnapshot, p: ApprovalPolicy) {
  expect(s.status).not.toBe('error');
  const { approvals, containment, recovery } = s.context;
  for (const a of Object.values(approvals)) {
    const ids = a.approvers.map((x) => x.userId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const x of a.approvers) {
      expect(RESPONDERS).toContain(x.userId);
      expect(Date.parse(x.at)).toBeLessThan(Date.parse(a.expiresAt));
    }
    if (p.twoPersonRule) expect(ids).not.toContain(a.requestedBy);
    expect(RESPONDERS).toContain(a.requestedBy);
    if (a.status === 'approved') expect(a.approvers).toHaveLength(p.approvalsRequired);
    else expect(a.approvers.length).toBeLessThan(p.approvalsRequired);
  }
  const pendingOf = (steps: string[]) =>
    Object.values(approvals).filter((a) => a.status === 'pending' && steps.includes(a.step));
  expect(pendingOf(['contain', 'rollback']).length).toBeLessThanOrEqual(1);
  expect(pendingOf(['recover']).length).toBeLessThanOrEqual(1);

  const r = regions(s);
  // Nothing destructive runs without a complete approval for exactly that step.
  if (r.containment === 'executing') {
    expect(approvals[containment.approvalId!]).toMatchObject({ step: 'contain', status: 'approved' });
  }
  if (r.containment === 'rollingBack') {
    expect(approvals[containment.approvalId!]).toMatchObject({ step: 'rollback', status: 'approved' });
  }
  if (r.recovery === 'executing' || r.recovery === 'verifying' || r.recovery === 'verified') {
    expect(approvals[recovery.approvalId!]).toMatchObject({ step: 'recover', status: 'approved' });
  }
  if (r.recovery === 'executing') {
    expect(['contained', 'awaitingRollbackApproval']).toContain(r.containment);
    expect(r.assessment).toBe('done');
  }
}

/** A scripted start, so random walks also begin deep in the workflow, where recovery happens. */
function prefix(depth: number, p: ApprovalPolicy): AnyEventObject[] {
  const at = iso(T0);
  const approve = (approvalId: string) =>
    ['U-B', 'U-C']
      .slice(0, p.approvalsRequired)
      .map((userId) => ({ type: 'APPROVE', approvalId, at, by: { userId, isResponder: true } }));
  const events: AnyEventObject[] = [
    { type: 'ASSESS', at, by: { userId: 'U-A', isResponder: true } },
    { type: 'REQUEST', step: 'contain', at, by: { userId: 'U-A', isResponder: true } },
    ...approve('contain-1'),
    { type: 'xstate.done.actor.contain', output: RESULTS.contain },
    { type: 'xstate.done.actor.assess', output: RESULTS.assess },
    { type: 'REQUEST', step: 'recover', strategy: 'versions', at, by: { userId: 'U-A', isResponder: true } },
    ...approve('recover-1'),
  ];
  const cut = [0, 5 + p.approvalsRequired - 1, events.length - p.approvalsRequired, events.length][depth]!;
  return events.slice(0, cut);
}

test('no sequence of events breaks the approval rules or runs a destructive step unapproved', () => {
  fc.assert(
    fc.property(
      policy,
      fc.integer({ min: 0, max: 3 }),
      fc.array(move, { minLength: 20, maxLength: 80 }),
      (p, depth, moves) => {
        let [snapshot] = initialTransition(incidentMachine, incidentInput({ policy: p, autoAssess: false }));
        for (const event of prefix(depth, p))
          [snapshot] = transition(incidentMachine, snapshot, event as IncidentEvent);
        if (depth > 0) expect(regions(snapshot).containment).toBe('contained');
        let now = T0;
        const spawnedAttempts = new Map<string, number>();
        for (const m of moves) {
          now += m.dt;
          const event = eventOf(m, iso(now), snapshot);
          if (!event) continue;
          const [next, actions] = transition(incidentMachine, snapshot, event as IncidentEvent);
          const emitted = actions
            .filter((a) => (a.type as string) === 'xstate.emit')
            .map((a) => (a.params as { event: IncidentEmitted }).event);

          if (m.kind === 'event' && !RESPONDERS.includes(m.user)) {
            // Someone outside the responders changes nothing, ever.
            expect(next.value).toEqual(snapshot.value);
            expect(next.context).toEqual(snapshot.context);
          }
          if (emitted.some((e) => e.type === 'refused')) {
            expect(emitted.every((e) => e.type === 'refused')).toBe(true);
            expect(next.context).toEqual(snapshot.context);
            expect(next.value).toEqual(snapshot.value);
          }
          for (const a of actions) {
            if (a.type !== 'xstate.spawnChild') continue;
            const { src, input } = a.params as unknown as { src: string; input: { attempt: number } };
            // Every effect run is a new attempt number, so its idempotency key is new too.
            expect(input.attempt).toBeGreaterThan(spawnedAttempts.get(src) ?? 0);
            spawnedAttempts.set(src, input.attempt);
          }
          checkInvariants(next, p);
          snapshot = next;
          if (snapshot.status === 'done') break;
        }
      },
    ),
    { numRuns: 150 },
  );
});
