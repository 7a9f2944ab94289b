import { describe, expect, test } from 'vitest';
import { createActor } from 'xstate';
import {
  INCIDENT_MACHINE_ID,
  INCIDENT_MACHINE_VERSION,
  type IncidentSnapshot,
  incidentMachine,
  nextSteps,
  phaseOf,
} from '../../../workflows/incident-machine.ts';
import type { IncidentEvent, NextStep } from '../../../workflows/types.ts';
import {
  incidentInput,
  iso,
  MIN,
  outsider,
  POLICY,
  RESULTS,
  responder,
  startIncident,
  T0,
} from '../../helpers/workflow.ts';

const ALICE = responder('U-ALICE');
const BOB = responder('U-BOB');
const CAROL = responder('U-CAROL');
const MALLORY = outsider('U-MALLORY');

type Incident = ReturnType<typeof startIncident>;

const refusals = (t: Incident) => t.emitted.filter((e) => e.type === 'refused');
const lastEmitted = (t: Incident) => t.emitted[t.emitted.length - 1];

/** Sends `event` and asserts it was refused for `reason` and changed nothing else. */
function expectRefused(t: Incident, event: Parameters<Incident['send']>[0], reason: string) {
  const before = t.snap();
  const emittedBefore = t.emitted.length;
  t.send(event);
  const after = t.snap();
  expect(after.value).toEqual(before.value);
  expect(after.context).toEqual(before.context);
  expect(t.emitted.slice(emittedBefore)).toEqual([expect.objectContaining({ type: 'refused', reason })]);
}

/** Sends `event` and asserts no transition at all was taken (nothing emitted, nothing changed). */
function expectIgnored(t: Incident, event: Parameters<Incident['send']>[0]) {
  const before = t.snap();
  const emittedBefore = t.emitted.length;
  expect(before.can({ at: t.at(), ...event } as IncidentEvent)).toBe(false);
  t.send(event);
  expect(t.snap().value).toEqual(before.value);
  expect(t.snap().context).toEqual(before.context);
  expect(t.emitted.length).toBe(emittedBefore);
}

async function toContained(t: Incident) {
  t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
  const id = t.snap().context.containment.approvalId!;
  t.send({ type: 'APPROVE', approvalId: id, by: BOB });
  await t.fx.resolve('contain');
  expect(t.region('containment')).toBe('contained');
}

async function toRecoveryReady(t: Incident) {
  await toContained(t);
  await t.fx.resolve('assess');
  expect(t.region('recovery')).toBe('ready');
}

async function toRecovering(t: Incident) {
  await toRecoveryReady(t);
  t.send({ type: 'REQUEST', step: 'recover', strategy: 'versions', by: ALICE });
  t.send({ type: 'APPROVE', approvalId: t.snap().context.recovery.approvalId!, by: BOB });
  expect(t.region('recovery')).toBe('executing');
}

describe('start', () => {
  test('exports its identity for persisted snapshots', () => {
    expect(INCIDENT_MACHINE_ID).toBe('incident');
    expect(incidentMachine.id).toBe(INCIDENT_MACHINE_ID);
    expect(INCIDENT_MACHINE_VERSION).toBe(1);
  });

  test('starts assessing at once by default, while containment waits for a request', () => {
    const t = startIncident();
    expect(t.snap().value).toEqual({
      open: { containment: 'idle', assessment: 'running', recovery: 'blocked' },
    });
    expect(t.fx.calls.assess).toHaveLength(1);
    expect(t.fx.last('assess').input).toEqual({
      incidentId: 7,
      attempt: 1,
      buckets: ['victim-bucket'],
      accessKeyIds: ['AKIAEXAMPLE000000001'],
      windowStart: '2025-01-13T09:00:00.000Z',
      windowEnd: null,
    });
    expect(t.emitted).toEqual([
      { type: 'step.started', step: 'assess', attempt: 1, userId: null, retry: false },
    ]);
    expect(phaseOf(t.snap())).toBe('reported');
  });

  test('with autoAssess off, assessment waits for ASSESS from a responder', () => {
    const t = startIncident(incidentInput({ autoAssess: false, windowEnd: '2025-01-13T12:00:00.000Z' }));
    expect(t.region('assessment')).toBe('idle');
    expect(t.fx.calls.assess).toHaveLength(0);
    expectRefused(t, { type: 'ASSESS', by: MALLORY }, 'not-a-responder');
    t.send({ type: 'ASSESS', by: ALICE });
    expect(t.region('assessment')).toBe('running');
    expect(t.fx.last('assess').input.windowEnd).toBe('2025-01-13T12:00:00.000Z');
    expect(lastEmitted(t)).toEqual({
      type: 'step.started',
      step: 'assess',
      attempt: 1,
      userId: 'U-ALICE',
      retry: false,
    });
  });
});

describe('containment', () => {
  test('REQUEST opens an approval with a deterministic id, an expiry from the event time, and default options', () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', options: { attachDenyAll: false }, by: ALICE });
    expect(t.region('containment')).toBe('awaitingApproval');
    const approval = t.snap().context.approvals['contain-1'];
    expect(approval).toEqual({
      id: 'contain-1',
      step: 'contain',
      params: {
        step: 'contain',
        options: {
          deactivateKeys: true,
          attachDenyAll: false,
          revokeSessions: true,
          blockSseC: true,
          defuseLifecycle: true,
        },
      },
      requestedBy: 'U-ALICE',
      requestedAt: iso(T0),
      expiresAt: iso(T0 + POLICY.approvalTtlMs),
      required: 1,
      approvers: [],
      status: 'pending',
      decidedBy: null,
      decidedAt: null,
      reason: null,
    });
    expect(lastEmitted(t)).toMatchObject({ type: 'requested', approvalId: 'contain-1', userId: 'U-ALICE' });
    expect(phaseOf(t.snap())).toBe('contain');
  });

  test('REQUEST from someone who is not a responder is refused', () => {
    const t = startIncident();
    expectRefused(t, { type: 'REQUEST', step: 'contain', by: MALLORY }, 'not-a-responder');
    expect(refusals(t)[0]).toEqual({
      type: 'refused',
      event: 'REQUEST',
      approvalId: null,
      step: 'contain',
      userId: 'U-MALLORY',
      reason: 'not-a-responder',
    });
  });

  test('requests for steps that do not fit the state are not handled at all', () => {
    const t = startIncident();
    expectIgnored(t, { type: 'REQUEST', step: 'rollback', by: ALICE });
    expectIgnored(t, { type: 'REQUEST', step: 'recover', strategy: 'versions', by: ALICE });
    expectIgnored(t, { type: 'RETRY', step: 'contain', by: ALICE });
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    // One request at a time: a second one while the first waits is not a new approval.
    expectIgnored(t, { type: 'REQUEST', step: 'contain', by: BOB });
  });

  test('an approval runs the step with the approved options and the approver as its starter', async () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', options: { revokeSessions: false }, by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    expect(t.region('containment')).toBe('executing');
    expect(t.snap().context.approvals['contain-1']).toMatchObject({
      status: 'approved',
      approvers: [{ userId: 'U-BOB', at: iso(T0) }],
      decidedBy: 'U-BOB',
      decidedAt: iso(T0),
    });
    expect(t.fx.last('contain').input).toEqual({
      incidentId: 7,
      attempt: 1,
      buckets: ['victim-bucket'],
      accessKeyIds: ['AKIAEXAMPLE000000001'],
      options: {
        deactivateKeys: true,
        attachDenyAll: true,
        revokeSessions: false,
        blockSseC: true,
        defuseLifecycle: true,
      },
    });
    expect(t.emitted.slice(-2)).toEqual([
      {
        type: 'approved',
        approvalId: 'contain-1',
        step: 'contain',
        userId: 'U-BOB',
        complete: true,
        approvals: 1,
        required: 1,
      },
      { type: 'step.started', step: 'contain', attempt: 1, userId: 'U-BOB', retry: false },
    ]);
    await t.fx.resolve('contain');
    expect(t.region('containment')).toBe('contained');
    expect(t.snap().context.containment.result).toEqual({
      keysDeactivated: 1,
      bucketsBlocked: 1,
      lifecycleRulesDefused: 1,
    });
    expect(lastEmitted(t)).toEqual({
      type: 'step.succeeded',
      step: 'contain',
      attempt: 1,
      result: { keysDeactivated: 1, bucketsBlocked: 1, lifecycleRulesDefused: 1 },
      awsRequestIds: ['req-contain-1', 'req-contain-2'],
    });
  });

  test('a failed containment is visible with its error and can be retried as a new attempt', async () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    await t.fx.reject('contain', new Error('AccessDenied: iam:UpdateAccessKey'));
    expect(t.region('containment')).toBe('failed');
    expect(t.snap().context.containment.error).toBe('AccessDenied: iam:UpdateAccessKey');
    expect(lastEmitted(t)).toEqual({
      type: 'step.failed',
      step: 'contain',
      attempt: 1,
      error: 'AccessDenied: iam:UpdateAccessKey',
      awsRequestIds: [],
    });
    expectRefused(t, { type: 'RETRY', step: 'contain', by: MALLORY }, 'not-a-responder');
    expectIgnored(t, { type: 'RETRY', step: 'rollback', by: ALICE });
    t.send({ type: 'RETRY', step: 'contain', by: CAROL });
    expect(t.region('containment')).toBe('executing');
    expect(t.fx.last('contain').input.attempt).toBe(2);
    expect(lastEmitted(t)).toEqual({
      type: 'step.started',
      step: 'contain',
      attempt: 2,
      userId: 'U-CAROL',
      retry: true,
    });
    await t.fx.resolve('contain');
    expect(t.region('containment')).toBe('contained');
    expect(t.snap().context.containment.error).toBeNull();
  });

  test('errors that are not Error objects still give a readable, bounded message', async () => {
    const t = startIncident();
    await t.fx.reject('assess', 'x'.repeat(2000));
    expect(t.snap().context.assessment.error).toHaveLength(500);
    t.send({ type: 'RETRY', step: 'assess', by: ALICE });
    await t.fx.reject('assess', { code: 'SlowDown' });
    expect(t.snap().context.assessment.error).toBe('{"code":"SlowDown"}');
  });

  test('after a failure the step can also be requested again, as a new approval', async () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    await t.fx.reject('contain', new Error('boom'));
    expectRefused(t, { type: 'REQUEST', step: 'contain', by: MALLORY }, 'not-a-responder');
    t.send({ type: 'REQUEST', step: 'contain', options: { defuseLifecycle: false }, by: BOB });
    expect(t.region('containment')).toBe('awaitingApproval');
    expect(t.snap().context.containment.approvalId).toBe('contain-2');
    t.send({ type: 'APPROVE', approvalId: 'contain-2', by: ALICE });
    expect(t.fx.last('contain').input).toMatchObject({ attempt: 2, options: { defuseLifecycle: false } });
  });

  test('a rejected request returns to idle and may be requested again', () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.advance(5 * MIN);
    // The requester may withdraw their own request by rejecting it.
    t.send({ type: 'REJECT', approvalId: 'contain-1', reason: ' false positive ', by: ALICE });
    expect(t.region('containment')).toBe('idle');
    expect(t.snap().context.approvals['contain-1']).toMatchObject({
      status: 'rejected',
      decidedBy: 'U-ALICE',
      decidedAt: iso(T0 + 5 * MIN),
      reason: 'false positive',
    });
    expect(lastEmitted(t)).toEqual({
      type: 'rejected',
      approvalId: 'contain-1',
      step: 'contain',
      userId: 'U-ALICE',
      reason: 'false positive',
    });
    expect(t.fx.calls.contain).toHaveLength(0);
    t.send({ type: 'REQUEST', step: 'contain', by: BOB });
    expect(t.snap().context.containment.approvalId).toBe('contain-2');
  });

  test('rollback: requested from contained, approved, undone with the containment attempt to undo', async () => {
    const t = startIncident();
    await toContained(t);
    expectRefused(t, { type: 'REQUEST', step: 'rollback', by: MALLORY }, 'not-a-responder');
    t.send({ type: 'REQUEST', step: 'rollback', reason: 'benign tool', by: BOB });
    expect(t.region('containment')).toBe('awaitingRollbackApproval');
    expect(t.snap().context.approvals['rollback-1']?.params).toEqual({
      step: 'rollback',
      reason: 'benign tool',
    });
    t.send({ type: 'APPROVE', approvalId: 'rollback-1', by: ALICE });
    expect(t.region('containment')).toBe('rollingBack');
    expect(t.fx.last('rollback').input).toEqual({
      incidentId: 7,
      attempt: 1,
      buckets: ['victim-bucket'],
      accessKeyIds: ['AKIAEXAMPLE000000001'],
      containAttempt: 1,
    });
    await t.fx.resolve('rollback');
    expect(t.region('containment')).toBe('idle');
    expect(t.snap().context.containment).toMatchObject({
      result: null,
      rollback: { keysReactivated: 1, bucketsUnblocked: 1, lifecycleRulesRestored: 1 },
    });
    expect(lastEmitted(t)).toMatchObject({
      type: 'step.succeeded',
      step: 'rollback',
      awsRequestIds: ['req-rb'],
    });
    expect(phaseOf(t.snap())).toBe('contain');
  });

  test('a retry acts on its approval only while that approval is fresh; later the step is asked for again', async () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.advance(10 * MIN);
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    await t.fx.reject('contain', new Error('AccessDenied: iam:UpdateAccessKey'));
    // The approval lasts one TTL (60 min here) from when it was given, not from the request.
    t.advance(59 * MIN);
    t.send({ type: 'RETRY', step: 'contain', by: ALICE });
    expect(t.region('containment')).toBe('executing');
    await t.fx.reject('contain', new Error('AccessDenied again'));
    t.advance(2 * MIN);
    expectRefused(t, { type: 'RETRY', step: 'contain', by: ALICE }, 'approval-stale');
    expect(t.region('containment')).toBe('failed');
    expect(t.fx.calls.contain).toHaveLength(2);
    // A new request and a new approval run it again.
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'contain-2', by: BOB });
    expect(t.region('containment')).toBe('executing');
    expect(t.fx.calls.contain).toHaveLength(3);
  });

  test('a stale approval also stops a rollback retry and a recovery retry; verify needs none', async () => {
    const t = startIncident();
    await toContained(t);
    t.send({ type: 'REQUEST', step: 'rollback', by: BOB });
    t.send({ type: 'APPROVE', approvalId: 'rollback-1', by: ALICE });
    await t.fx.reject('rollback', new Error('policy changed meanwhile'));
    t.advance(61 * MIN);
    expectRefused(t, { type: 'RETRY', step: 'rollback', by: BOB }, 'approval-stale');
    expect(t.region('containment')).toBe('rollbackFailed');

    const r = startIncident();
    await toRecovering(r);
    await r.fx.reject('recover', new Error('SlowDown for an hour'));
    r.advance(61 * MIN);
    expectRefused(r, { type: 'RETRY', step: 'recover', by: ALICE }, 'approval-stale');
    expect(r.region('recovery')).toBe('failed');
    expect(r.fx.calls.recover).toHaveLength(1);

    const v = startIncident();
    await toRecovering(v);
    await v.fx.resolve('recover');
    await v.fx.reject('verify', new Error('HEAD timed out'));
    v.advance(5 * 60 * MIN);
    v.send({ type: 'RETRY', step: 'verify', by: ALICE });
    expect(v.region('recovery')).toBe('verifying');
  });

  test('rollback undoes the latest containment attempt', async () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    await t.fx.reject('contain', new Error('throttled'));
    t.send({ type: 'RETRY', step: 'contain', by: ALICE });
    await t.fx.resolve('contain');
    t.send({ type: 'REQUEST', step: 'rollback', by: BOB });
    t.send({ type: 'APPROVE', approvalId: 'rollback-1', by: ALICE });
    expect(t.fx.last('rollback').input.containAttempt).toBe(2);
  });

  test('a rejected rollback leaves containment in place', async () => {
    const t = startIncident();
    await toContained(t);
    t.send({ type: 'REQUEST', step: 'rollback', by: BOB });
    t.send({ type: 'REJECT', approvalId: 'rollback-1', by: ALICE });
    expect(t.region('containment')).toBe('contained');
    expect(t.fx.calls.rollback).toHaveLength(0);
  });

  test('a failed rollback can be retried, or containment requested again', async () => {
    const t = startIncident();
    await toContained(t);
    t.send({ type: 'REQUEST', step: 'rollback', by: BOB });
    t.send({ type: 'APPROVE', approvalId: 'rollback-1', by: ALICE });
    await t.fx.reject('rollback', new Error('policy changed meanwhile'));
    expect(t.region('containment')).toBe('rollbackFailed');
    expect(t.snap().context.containment.error).toBe('policy changed meanwhile');
    expectRefused(t, { type: 'RETRY', step: 'rollback', by: MALLORY }, 'not-a-responder');
    expectRefused(t, { type: 'REQUEST', step: 'contain', by: MALLORY }, 'not-a-responder');
    t.send({ type: 'RETRY', step: 'rollback', by: BOB });
    expect(t.region('containment')).toBe('rollingBack');
    expect(t.fx.last('rollback').input.attempt).toBe(2);
    await t.fx.reject('rollback', new Error('again'));
    t.send({ type: 'REQUEST', step: 'contain', by: BOB });
    expect(t.region('containment')).toBe('awaitingApproval');
    expect(t.snap().context.containment.approvalId).toBe('contain-2');
  });

  test('rollback is refused while recovery is underway, and an approved one waits for recovery to finish', async () => {
    const t = startIncident();
    await toRecoveryReady(t);
    t.send({ type: 'REQUEST', step: 'rollback', by: BOB });
    // Containment is still in place while its rollback waits, so recovery may go ahead.
    expect(t.region('recovery')).toBe('ready');
    t.send({ type: 'REQUEST', step: 'recover', strategy: 'versions', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'recover-1', by: BOB });
    expect(t.region('recovery')).toBe('executing');
    t.send({ type: 'APPROVE', approvalId: 'rollback-1', by: ALICE });
    expect(t.snap().context.approvals['rollback-1']?.status).toBe('approved');
    expect(t.region('containment')).toBe('awaitingRollbackApproval');
    await t.fx.resolve('recover');
    expect(t.region('containment')).toBe('awaitingRollbackApproval');
    await t.fx.resolve('verify');
    expect(t.region('recovery')).toBe('verified');
    expect(t.region('containment')).toBe('rollingBack');

    const u = startIncident();
    await toRecovering(u);
    expectRefused(u, { type: 'REQUEST', step: 'rollback', by: BOB }, 'recovery-in-progress');
  });
});

describe('approval guards', () => {
  test('an approver who is not a responder is refused', () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    expectRefused(t, { type: 'APPROVE', approvalId: 'contain-1', by: MALLORY }, 'not-a-responder');
    expectRefused(t, { type: 'REJECT', approvalId: 'contain-1', by: MALLORY }, 'not-a-responder');
  });

  test('unknown or stale approval ids are refused, whatever the state', async () => {
    const t = startIncident();
    expectRefused(t, { type: 'APPROVE', approvalId: 'contain-1', by: BOB }, 'unknown-approval');
    expectRefused(t, { type: 'REJECT', approvalId: 'recover-9', by: BOB }, 'unknown-approval');
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.send({ type: 'REJECT', approvalId: 'contain-1', by: BOB });
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    // A click on the old message's button must not approve the new request.
    expectRefused(t, { type: 'APPROVE', approvalId: 'contain-1', by: BOB }, 'not-pending');
    expect(t.snap().context.approvals['contain-2']?.status).toBe('pending');
    expect(refusals(t).at(-1)).toMatchObject({ approvalId: 'contain-1', step: 'contain', userId: 'U-BOB' });
  });

  test('a second click on a decided approval does nothing twice', async () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    expectRefused(t, { type: 'APPROVE', approvalId: 'contain-1', by: BOB }, 'not-pending');
    expectRefused(t, { type: 'APPROVE', approvalId: 'contain-1', by: CAROL }, 'not-pending');
    expectRefused(t, { type: 'REJECT', approvalId: 'contain-1', by: CAROL }, 'not-pending');
    expect(t.fx.calls.contain).toHaveLength(1);
  });

  test('decisions at or after the expiry are refused; the approval stays pending for the sweeper', () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.advance(POLICY.approvalTtlMs);
    expectRefused(t, { type: 'APPROVE', approvalId: 'contain-1', by: BOB }, 'expired');
    expectRefused(t, { type: 'REJECT', approvalId: 'contain-1', by: BOB }, 'expired');
    expectRefused(t, { type: 'APPROVE', approvalId: 'contain-1', at: 'not a time', by: BOB }, 'expired');
    expect(t.snap().context.approvals['contain-1']?.status).toBe('pending');
  });

  test('a decision just before the expiry counts', () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.advance(POLICY.approvalTtlMs - 1);
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    expect(t.region('containment')).toBe('executing');
  });

  test('with the two-person rule the requester cannot approve their own step; without it they can', () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    expectRefused(t, { type: 'APPROVE', approvalId: 'contain-1', by: ALICE }, 'own-request');

    const u = startIncident(incidentInput({ policy: { ...POLICY, twoPersonRule: false } }));
    u.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    u.send({ type: 'APPROVE', approvalId: 'contain-1', by: ALICE });
    expect(u.region('containment')).toBe('executing');
  });

  test('two required approvals: the first waits, the same person twice is refused, a second person runs it', () => {
    const t = startIncident(incidentInput({ policy: { ...POLICY, approvalsRequired: 2 } }));
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    expect(t.region('containment')).toBe('awaitingApproval');
    expect(t.snap().context.approvals['contain-1']).toMatchObject({
      status: 'pending',
      approvers: [{ userId: 'U-BOB', at: iso(T0) }],
      required: 2,
    });
    expect(lastEmitted(t)).toMatchObject({ type: 'approved', complete: false, approvals: 1, required: 2 });
    expectRefused(t, { type: 'APPROVE', approvalId: 'contain-1', by: BOB }, 'duplicate-approver');
    expectRefused(t, { type: 'APPROVE', approvalId: 'contain-1', by: ALICE }, 'own-request');
    t.advance(MIN);
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: CAROL });
    expect(t.region('containment')).toBe('executing');
    expect(t.snap().context.approvals['contain-1']).toMatchObject({
      status: 'approved',
      decidedBy: 'U-CAROL',
      approvers: [
        { userId: 'U-BOB', at: iso(T0) },
        { userId: 'U-CAROL', at: iso(T0 + MIN) },
      ],
    });
  });

  test('with two required and no two-person rule, the requester counts once', () => {
    const t = startIncident(
      incidentInput({ policy: { ...POLICY, approvalsRequired: 2, twoPersonRule: false } }),
    );
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: ALICE });
    expectRefused(t, { type: 'APPROVE', approvalId: 'contain-1', by: ALICE }, 'duplicate-approver');
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    expect(t.region('containment')).toBe('executing');
  });

  test('EXPIRE from the sweeper expires a pending approval at or after its deadline, never before', () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    expectIgnored(t, { type: 'EXPIRE', approvalId: 'contain-1', at: iso(T0 + POLICY.approvalTtlMs - 1) });
    expectIgnored(t, { type: 'EXPIRE', approvalId: 'nope-1', at: iso(T0 + 2 * POLICY.approvalTtlMs) });
    t.send({ type: 'EXPIRE', approvalId: 'contain-1', at: iso(T0 + POLICY.approvalTtlMs) });
    expect(t.region('containment')).toBe('idle');
    expect(t.snap().context.approvals['contain-1']).toMatchObject({
      status: 'expired',
      decidedAt: iso(T0 + POLICY.approvalTtlMs),
    });
    expect(lastEmitted(t)).toEqual({ type: 'expired', approvalId: 'contain-1', step: 'contain' });
    // A late duplicate from a second sweeper changes nothing.
    expectIgnored(t, { type: 'EXPIRE', approvalId: 'contain-1', at: iso(T0 + 2 * POLICY.approvalTtlMs) });
  });

  test('EXPIRE of a decided approval does nothing', () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    expectIgnored(t, { type: 'EXPIRE', approvalId: 'contain-1', at: iso(T0 + 2 * POLICY.approvalTtlMs) });
    expect(t.region('containment')).toBe('executing');
  });

  test('REMIND emits a reminder for a pending approval and changes nothing', () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    const before = t.snap();
    t.send({ type: 'REMIND', approvalId: 'contain-1', at: iso(T0 + 15 * MIN) });
    expect(t.snap().value).toEqual(before.value);
    expect(t.snap().context).toEqual(before.context);
    expect(lastEmitted(t)).toEqual({
      type: 'reminder',
      approvalId: 'contain-1',
      step: 'contain',
      requestedBy: 'U-ALICE',
      expiresAt: iso(T0 + POLICY.approvalTtlMs),
    });
    expectIgnored(t, { type: 'REMIND', approvalId: 'contain-1', at: iso(T0 + POLICY.approvalTtlMs) });
    expectIgnored(t, { type: 'REMIND', approvalId: 'contain-7', at: iso(T0 + 15 * MIN) });
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    expectIgnored(t, { type: 'REMIND', approvalId: 'contain-1', at: iso(T0 + 30 * MIN) });
  });
});

describe('assessment', () => {
  test('runs while containment waits for its approval, and stores a small summary', async () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    expect(t.region('assessment')).toBe('running');
    await t.fx.resolve('assess');
    expect(t.region('assessment')).toBe('done');
    expect(t.region('containment')).toBe('awaitingApproval');
    expect(t.snap().context.assessment.summary).toEqual({
      affected: 12,
      unrecoverable: 1,
      changed: 14,
      findings: { lifecycleRules: 1 },
      assessRunIds: [3],
    });
    // Assessed but not contained: recovery stays blocked.
    expect(t.region('recovery')).toBe('blocked');
  });

  test('a failed assessment can be retried or re-requested', async () => {
    const t = startIncident();
    await t.fx.reject('assess', new Error('SlowDown'));
    expect(t.region('assessment')).toBe('failed');
    expect(t.snap().context.assessment.error).toBe('SlowDown');
    expectRefused(t, { type: 'RETRY', step: 'assess', by: MALLORY }, 'not-a-responder');
    expectRefused(t, { type: 'ASSESS', by: MALLORY }, 'not-a-responder');
    expectIgnored(t, { type: 'RETRY', step: 'verify', by: ALICE });
    t.send({ type: 'RETRY', step: 'assess', by: ALICE });
    expect(t.fx.last('assess').input.attempt).toBe(2);
    await t.fx.reject('assess', new Error('SlowDown'));
    t.send({ type: 'ASSESS', by: ALICE });
    expect(t.region('assessment')).toBe('running');
    expect(t.fx.last('assess').input.attempt).toBe(3);
    await t.fx.resolve('assess');
    expect(t.snap().context.assessment.error).toBeNull();
  });

  test('ASSESS from done re-runs it and blocks recovery until it is done again', async () => {
    const t = startIncident();
    await toRecoveryReady(t);
    expectRefused(t, { type: 'ASSESS', by: MALLORY }, 'not-a-responder');
    t.send({ type: 'ASSESS', by: ALICE });
    expect(t.region('assessment')).toBe('running');
    expect(t.region('recovery')).toBe('blocked');
    await t.fx.resolve('assess', { ...RESULTS.assess, affected: 13, assessRunIds: [4] });
    expect(t.region('recovery')).toBe('ready');
    expect(t.snap().context.assessment.summary?.assessRunIds).toEqual([4]);
  });

  test('ASSESS is refused while recovery runs or is being verified', async () => {
    const t = startIncident();
    await toRecovering(t);
    expectRefused(t, { type: 'ASSESS', by: ALICE }, 'recovery-in-progress');
    await t.fx.resolve('recover');
    expect(t.region('recovery')).toBe('verifying');
    expectRefused(t, { type: 'ASSESS', by: ALICE }, 'recovery-in-progress');
    await t.fx.resolve('verify');
    t.send({ type: 'ASSESS', by: ALICE });
    expect(t.region('assessment')).toBe('running');
    expect(t.region('recovery')).toBe('verified');
  });
});

describe('recovery', () => {
  test('is blocked until containment is in place and assessment is done, in either order', async () => {
    const t = startIncident();
    await t.fx.resolve('assess');
    expect(t.region('recovery')).toBe('blocked');
    expectIgnored(t, { type: 'REQUEST', step: 'recover', strategy: 'versions', by: ALICE });
    await toContained(t);
    expect(t.region('recovery')).toBe('ready');

    const u = startIncident();
    await toContained(u);
    expect(u.region('recovery')).toBe('blocked');
    expect(phaseOf(u.snap())).toBe('assess');
    await u.fx.resolve('assess');
    expect(u.region('recovery')).toBe('ready');
    expect(phaseOf(u.snap())).toBe('recover');
  });

  test('goes back to blocked when containment is rolled back', async () => {
    const t = startIncident();
    await toRecoveryReady(t);
    t.send({ type: 'REQUEST', step: 'rollback', by: BOB });
    expect(t.region('recovery')).toBe('ready');
    t.send({ type: 'APPROVE', approvalId: 'rollback-1', by: ALICE });
    expect(t.region('recovery')).toBe('blocked');
  });

  test('request, approval, restore, verification: verified and clean', async () => {
    const t = startIncident();
    await toRecoveryReady(t);
    expectRefused(t, { type: 'REQUEST', step: 'recover', strategy: 'batch', by: MALLORY }, 'not-a-responder');
    t.send({ type: 'REQUEST', step: 'recover', strategy: 'backup', by: ALICE });
    expect(t.region('recovery')).toBe('awaitingApproval');
    expect(t.snap().context.recovery).toMatchObject({ approvalId: 'recover-1', strategy: 'backup' });
    t.send({ type: 'APPROVE', approvalId: 'recover-1', by: BOB });
    expect(t.region('recovery')).toBe('executing');
    expect(t.fx.last('recover').input).toEqual({
      incidentId: 7,
      attempt: 1,
      buckets: ['victim-bucket'],
      strategy: 'backup',
      assessRunIds: [3],
    });
    expect(phaseOf(t.snap())).toBe('recover');
    await t.fx.resolve('recover');
    expect(t.region('recovery')).toBe('verifying');
    expect(t.snap().context.recovery.result).toEqual({ restored: 11, failed: 0, unrecoverable: 1 });
    expect(t.fx.last('verify').input).toEqual({
      incidentId: 7,
      attempt: 1,
      buckets: ['victim-bucket'],
      assessRunIds: [3],
    });
    expect(phaseOf(t.snap())).toBe('verify');
    await t.fx.resolve('verify');
    expect(t.region('recovery')).toBe('verified');
    expect(t.snap().context.recovery.verification).toEqual({ clean: true, remaining: 0 });
    expect(phaseOf(t.snap())).toBe('verify');
  });

  test('a rejected recovery goes back to ready', async () => {
    const t = startIncident();
    await toRecoveryReady(t);
    t.send({ type: 'REQUEST', step: 'recover', strategy: 'versions', by: ALICE });
    t.send({ type: 'REJECT', approvalId: 'recover-1', by: BOB });
    expect(t.region('recovery')).toBe('ready');
  });

  test('an approval granted during a re-assessment waits for it, then uses its runs', async () => {
    const t = startIncident();
    await toRecoveryReady(t);
    t.send({ type: 'REQUEST', step: 'recover', strategy: 'versions', by: ALICE });
    t.send({ type: 'ASSESS', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'recover-1', by: BOB });
    expect(t.region('recovery')).toBe('awaitingApproval');
    expect(t.fx.calls.recover).toHaveLength(0);
    await t.fx.resolve('assess', { ...RESULTS.assess, assessRunIds: [9] });
    expect(t.region('recovery')).toBe('executing');
    expect(t.fx.last('recover').input.assessRunIds).toEqual([9]);
  });

  test('verification that finds leftovers fails with the reason, and RETRY runs the restore again', async () => {
    const t = startIncident();
    await toRecovering(t);
    await t.fx.resolve('recover');
    await t.fx.resolve('verify', { clean: false, remaining: 2, detail: 'still SSE-C' });
    expect(t.region('recovery')).toBe('failed');
    expect(t.snap().context.recovery).toMatchObject({
      error: 'verification found 2 object(s) still not restored: still SSE-C',
      failedStep: 'recover',
      verification: { clean: false, remaining: 2, detail: 'still SSE-C' },
    });
    expect(lastEmitted(t)).toMatchObject({ type: 'step.failed', step: 'verify', attempt: 1 });
    expect(phaseOf(t.snap())).toBe('recover');
    expectRefused(t, { type: 'RETRY', step: 'recover', by: MALLORY }, 'not-a-responder');
    t.send({ type: 'RETRY', step: 'recover', by: ALICE });
    expect(t.region('recovery')).toBe('executing');
    expect(t.fx.last('recover').input.attempt).toBe(2);
    await t.fx.resolve('recover');
    await t.fx.resolve('verify', { clean: true, remaining: 0 });
    expect(t.fx.last('verify').input.attempt).toBe(2);
    expect(t.region('recovery')).toBe('verified');
  });

  test('a verification that errors can be retried on its own', async () => {
    const t = startIncident();
    await toRecovering(t);
    await t.fx.resolve('recover');
    await t.fx.reject('verify', new Error('throttled'));
    expect(t.snap().context.recovery).toMatchObject({ error: 'throttled', failedStep: 'verify' });
    expect(phaseOf(t.snap())).toBe('verify');
    expectRefused(t, { type: 'RETRY', step: 'verify', by: MALLORY }, 'not-a-responder');
    t.send({ type: 'RETRY', step: 'verify', by: ALICE });
    expect(t.region('recovery')).toBe('verifying');
    expect(t.fx.calls.recover).toHaveLength(1);
    expect(t.fx.last('verify').input.attempt).toBe(2);
  });

  test('a failed restore can be retried, or requested again with another strategy, but not verified', async () => {
    const t = startIncident();
    await toRecovering(t);
    await t.fx.reject('recover', new Error('copy failed'));
    expect(t.snap().context.recovery).toMatchObject({ error: 'copy failed', failedStep: 'recover' });
    expectIgnored(t, { type: 'RETRY', step: 'verify', by: ALICE });
    expectRefused(t, { type: 'REQUEST', step: 'recover', strategy: 'batch', by: MALLORY }, 'not-a-responder');
    t.send({ type: 'REQUEST', step: 'recover', strategy: 'batch', by: BOB });
    expect(t.region('recovery')).toBe('awaitingApproval');
    t.send({ type: 'APPROVE', approvalId: 'recover-2', by: ALICE });
    expect(t.fx.last('recover').input).toMatchObject({ attempt: 2, strategy: 'batch' });
    await t.fx.reject('recover', new Error('copy failed'));
    t.send({ type: 'RETRY', step: 'recover', by: BOB });
    expect(t.fx.last('recover').input).toMatchObject({ attempt: 3, strategy: 'batch' });
  });

  test('after a failed restore, RETRY and REQUEST wait while a re-assessment runs', async () => {
    const t = startIncident();
    await toRecovering(t);
    await t.fx.reject('recover', new Error('copy failed'));
    t.send({ type: 'ASSESS', by: ALICE });
    expectIgnored(t, { type: 'RETRY', step: 'recover', by: ALICE });
    expectIgnored(t, { type: 'REQUEST', step: 'recover', strategy: 'versions', by: ALICE });
  });
});

describe('close and cancel', () => {
  test('CLOSE after verification needs no reason and ends the workflow', async () => {
    const t = startIncident();
    await toRecovering(t);
    await t.fx.resolve('recover');
    await t.fx.resolve('verify');
    expectRefused(t, { type: 'CLOSE', by: MALLORY }, 'not-a-responder');
    t.advance(MIN);
    t.send({ type: 'CLOSE', by: ALICE });
    expect(t.snap().value).toBe('resolved');
    expect(t.snap().status).toBe('done');
    const closure = { outcome: 'resolved', by: 'U-ALICE', at: iso(T0 + MIN), reason: null };
    expect(t.snap().context.closure).toEqual(closure);
    expect(t.snap().output).toEqual(closure);
    expect(lastEmitted(t)).toEqual({ type: 'closed', outcome: 'resolved', userId: 'U-ALICE', reason: null });
    expect(phaseOf(t.snap())).toBe('resolved');
    expect(nextSteps(t.snap())).toEqual([]);
  });

  test('CLOSE before verification needs a reason', () => {
    const t = startIncident();
    expectRefused(t, { type: 'CLOSE', by: ALICE }, 'reason-required');
    expectRefused(t, { type: 'CLOSE', reason: '   ', by: ALICE }, 'reason-required');
    t.send({ type: 'CLOSE', reason: 'handled outside the bot', by: ALICE });
    expect(t.snap().value).toBe('resolved');
    expect(t.snap().context.closure?.reason).toBe('handled outside the bot');
  });

  test('CANCEL needs a responder and a reason; it withdraws pending approvals and abandons running effects', () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    expectRefused(t, { type: 'CANCEL', reason: 'drill', by: MALLORY }, 'not-a-responder');
    expectRefused(t, { type: 'CANCEL', by: ALICE }, 'reason-required');
    const assess = t.fx.last('assess');
    expect(assess.signal.aborted).toBe(false);
    t.send({ type: 'CANCEL', reason: 'false positive: load test', by: BOB });
    expect(t.snap().value).toBe('cancelled');
    expect(t.snap().context.approvals['contain-1']?.status).toBe('withdrawn');
    expect(t.emitted.slice(-2)).toEqual([
      { type: 'withdrawn', approvalId: 'contain-1', step: 'contain' },
      { type: 'closed', outcome: 'cancelled', userId: 'U-BOB', reason: 'false positive: load test' },
    ]);
    expect(assess.signal.aborted).toBe(true);
    expect(phaseOf(t.snap())).toBe('cancelled');
  });

  test('closing withdraws only the approvals still pending; decided ones keep their decision', async () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    await t.fx.resolve('contain');
    t.send({ type: 'REQUEST', step: 'rollback', by: ALICE });
    t.send({ type: 'CLOSE', reason: 'handed to the cloud team', by: BOB });
    expect(t.snap().context.approvals['contain-1']?.status).toBe('approved');
    expect(t.snap().context.approvals['rollback-1']?.status).toBe('withdrawn');
    expect(t.emitted.filter((e) => e.type === 'withdrawn')).toEqual([
      { type: 'withdrawn', approvalId: 'rollback-1', step: 'rollback' },
    ]);
  });

  test('nothing is accepted after the end', () => {
    const t = startIncident();
    t.send({ type: 'CANCEL', reason: 'duplicate of INC-6', by: ALICE });
    expect(t.snap().can({ type: 'REQUEST', step: 'contain', at: t.at(), by: ALICE })).toBe(false);
    expect(t.snap().can({ type: 'CLOSE', reason: 'x', at: t.at(), by: ALICE })).toBe(false);
  });
});

describe('phaseOf', () => {
  test('follows the incident from reported to resolved', async () => {
    const t = startIncident();
    const phases = [phaseOf(t.snap())];
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    phases.push(phaseOf(t.snap()));
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    await t.fx.resolve('contain');
    phases.push(phaseOf(t.snap()));
    await t.fx.resolve('assess');
    phases.push(phaseOf(t.snap()));
    t.send({ type: 'REQUEST', step: 'recover', strategy: 'versions', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'recover-1', by: BOB });
    await t.fx.resolve('recover');
    phases.push(phaseOf(t.snap()));
    await t.fx.resolve('verify');
    t.send({ type: 'CLOSE', by: ALICE });
    phases.push(phaseOf(t.snap()));
    expect(phases).toEqual(['reported', 'contain', 'assess', 'recover', 'verify', 'resolved']);
  });

  test('an expired first request still counts as containment having begun', () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.send({ type: 'EXPIRE', approvalId: 'contain-1', at: iso(T0 + POLICY.approvalTtlMs) });
    expect(phaseOf(t.snap())).toBe('contain');
  });
});

/** The event a Slack button for `step` sends, by a responder who did not request anything. */
function eventFor(step: NextStep, at: string): IncidentEvent[] {
  const by = responder('U-ZED');
  switch (step.action) {
    case 'request':
      return step.step === 'recover'
        ? step.strategies.map((strategy) => ({ type: 'REQUEST', step: 'recover', strategy, at, by }))
        : [{ type: 'REQUEST', step: step.step, at, by } as IncidentEvent];
    case 'decide':
      return [
        { type: 'APPROVE', approvalId: step.approvalId, at, by },
        { type: 'REJECT', approvalId: step.approvalId, at, by },
      ];
    case 'retry':
      return [{ type: 'RETRY', step: step.step, at, by }];
    case 'assess':
      return [{ type: 'ASSESS', at, by }];
    case 'close':
      return [{ type: 'CLOSE', ...(step.reasonRequired ? { reason: 'done' } : {}), at, by }];
    case 'cancel':
      return [{ type: 'CANCEL', reason: 'drill', at, by }];
    case 'dry-run':
      return [];
  }
}

describe('nextSteps', () => {
  async function states(): Promise<IncidentSnapshot[]> {
    const seen: IncidentSnapshot[] = [];
    const t = startIncident();
    seen.push(t.snap());
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    seen.push(t.snap());
    await t.fx.reject('assess', new Error('x'));
    seen.push(t.snap());
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    await t.fx.reject('contain', new Error('x'));
    seen.push(t.snap());
    t.send({ type: 'RETRY', step: 'contain', by: BOB });
    await t.fx.resolve('contain');
    t.send({ type: 'RETRY', step: 'assess', by: BOB });
    await t.fx.resolve('assess');
    seen.push(t.snap());
    t.send({ type: 'REQUEST', step: 'recover', strategy: 'versions', by: ALICE });
    seen.push(t.snap());
    t.send({ type: 'APPROVE', approvalId: 'recover-1', by: BOB });
    seen.push(t.snap());
    await t.fx.reject('recover', new Error('x'));
    seen.push(t.snap());
    t.send({ type: 'RETRY', step: 'recover', by: BOB });
    await t.fx.resolve('recover');
    await t.fx.reject('verify', new Error('x'));
    seen.push(t.snap());
    t.send({ type: 'RETRY', step: 'verify', by: BOB });
    await t.fx.resolve('verify');
    seen.push(t.snap());
    t.send({ type: 'REQUEST', step: 'rollback', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'rollback-1', by: BOB });
    await t.fx.reject('rollback', new Error('x'));
    seen.push(t.snap());
    return seen;
  }

  test('every offered action is one the machine accepts from a responder', async () => {
    const at = iso(T0);
    for (const snapshot of await states()) {
      const offered = nextSteps(snapshot);
      expect(offered.length).toBeGreaterThan(0);
      for (const step of offered) {
        for (const event of eventFor(step, at)) {
          expect(snapshot.can(event), `${JSON.stringify(snapshot.value)}: ${JSON.stringify(event)}`).toBe(
            true,
          );
        }
      }
    }
  });

  test('offers what a responder should do next', async () => {
    const t = startIncident();
    expect(nextSteps(t.snap())).toEqual([
      { action: 'request', step: 'contain' },
      { action: 'dry-run', step: 'contain' },
      { action: 'close', reasonRequired: true },
      { action: 'cancel' },
    ]);
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    expect(nextSteps(t.snap())).toContainEqual({
      action: 'decide',
      approvalId: 'contain-1',
      step: 'contain',
      approvals: 0,
      required: 1,
      expiresAt: iso(T0 + POLICY.approvalTtlMs),
    });
    expect(nextSteps(t.snap())).not.toContainEqual({ action: 'request', step: 'contain' });
    await t.fx.resolve('assess');
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    await t.fx.resolve('contain');
    expect(nextSteps(t.snap())).toEqual([
      { action: 'request', step: 'rollback' },
      { action: 'dry-run', step: 'rollback' },
      { action: 'assess' },
      { action: 'dry-run', step: 'assess' },
      { action: 'request', step: 'recover', strategies: ['versions', 'backup', 'batch'] },
      { action: 'dry-run', step: 'recover' },
      { action: 'close', reasonRequired: true },
      { action: 'cancel' },
    ]);
    t.send({ type: 'REQUEST', step: 'recover', strategy: 'versions', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'recover-1', by: BOB });
    // While recovery runs, nothing may disturb it: no rollback, no re-assessment.
    expect(nextSteps(t.snap())).toEqual([{ action: 'close', reasonRequired: true }, { action: 'cancel' }]);
    await t.fx.resolve('recover');
    await t.fx.resolve('verify');
    expect(nextSteps(t.snap())).toContainEqual({ action: 'close', reasonRequired: false });
  });
});

describe('persistence', () => {
  test('a persisted snapshot taken mid-effect restores into an equivalent state that re-runs the same attempt', async () => {
    const t = startIncident();
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    const stored = JSON.parse(JSON.stringify(t.actor.getPersistedSnapshot()));
    t.actor.stop();

    const r = startIncident(incidentInput(), stored);
    expect(r.snap().value).toEqual(t.snap().value);
    expect(r.snap().context).toEqual(t.snap().context);
    // Restoring does not re-run entry actions, so it does not count a new attempt or emit a new start…
    expect(r.emitted).toEqual([]);
    // …but xstate re-invokes the in-flight effects with their original input.
    expect(r.fx.last('contain').input).toEqual(t.fx.last('contain').input);
    expect(r.fx.last('assess').input).toEqual(t.fx.last('assess').input);
    await r.fx.resolve('contain');
    await r.fx.resolve('assess');
    expect(r.snap().value).toEqual({
      open: { containment: 'contained', assessment: 'done', recovery: 'ready' },
    });
  });

  test('a restored snapshot keeps its approvals and their guards', () => {
    const t = startIncident(incidentInput({ policy: { ...POLICY, approvalsRequired: 2 } }));
    t.send({ type: 'REQUEST', step: 'contain', by: ALICE });
    t.send({ type: 'APPROVE', approvalId: 'contain-1', by: BOB });
    const stored = JSON.parse(JSON.stringify(t.actor.getPersistedSnapshot()));
    const r = startIncident(incidentInput(), stored);
    expectRefused(r, { type: 'APPROVE', approvalId: 'contain-1', by: BOB }, 'duplicate-approver');
    r.send({ type: 'APPROVE', approvalId: 'contain-1', by: CAROL });
    expect(r.region('containment')).toBe('executing');
    expect(r.fx.last('contain').input.attempt).toBe(1);
  });

  test('a final snapshot restores as final', () => {
    const t = startIncident();
    t.send({ type: 'CLOSE', reason: 'test', by: ALICE });
    const stored = JSON.parse(JSON.stringify(t.actor.getPersistedSnapshot()));
    const actor = createActor(incidentMachine, { snapshot: stored, input: incidentInput() }).start();
    expect(actor.getSnapshot().status).toBe('done');
    expect(phaseOf(actor.getSnapshot())).toBe('resolved');
  });
});
