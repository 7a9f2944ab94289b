import { type Actor, createActor } from 'xstate';
import {
  effectInput,
  INCIDENT_MACHINE_ID,
  INCIDENT_MACHINE_VERSION,
  type IncidentMachine,
  type IncidentSnapshot,
  incidentMachine,
  phaseOf,
} from '../../workflows/incident-machine.ts';
import type {
  ApprovalPolicy,
  ContainOptions,
  DryRunResult,
  IncidentCommand,
  IncidentEmitted,
  IncidentEvent,
  IncidentInput,
  RecoveryStrategy,
  RefusalReason,
  Step,
} from '../../workflows/types.ts';
import { REFUSAL_MESSAGES } from '../../workflows/types.ts';
import { SsecError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Incident } from '../store/incidents.ts';
import type { Store } from '../store/store.ts';
import { attemptedAction } from './audit-entries.ts';
import type { EffectProgress, WorkflowEffects } from './effects.ts';
import { ledgeredActors } from './ledgered-effects.ts';
import { recordTransition } from './record-transition.ts';
import { createSweeper, type DeadlineEvent } from './sweeper.ts';

export interface RuntimePolicy extends ApprovalPolicy {
  /** How often responders are reminded while an approval waits; 0 turns reminders off. */
  reminderMs: number;
}

export type ChangeListener = (
  incidentId: number,
  snapshot: IncidentSnapshot,
  events: IncidentEmitted[],
) => void | Promise<void>;

export interface WorkflowRuntimeOptions {
  store: Store;
  effects: WorkflowEffects;
  clock?: () => Date;
  logger: Logger;
  /** Resolves responder membership (user groups included); a lookup that throws counts as "no". */
  isResponder: (userId: string) => Promise<boolean>;
  policy: RuntimePolicy;
  /** Called after every persisted transition, in order per incident; this is where Slack is told. */
  onChange?: ChangeListener;
  onProgress?: (incidentId: number, step: Step, progress: EffectProgress) => void;
  sweepIntervalMs?: number;
}

export type SendReason = RefusalReason | 'not-available' | 'no-workflow' | 'not-saved';

export interface SendResult {
  accepted: boolean;
  reason?: SendReason;
  refusal?: string;
}

export interface RefusedIncident {
  incidentId: number;
  ref: string;
  message: string;
}

export interface StartReport {
  restored: number[];
  opened: number[];
  refused: RefusedIncident[];
  deadlinesFired: number;
}

export interface WorkflowRuntime {
  /** Restores every open incident from its latest snapshot, fires overdue deadlines, starts the sweeper. */
  start(): Promise<StartReport>;
  /** Starts the workflow of a new incident (or returns the running one: opening twice is harmless). */
  open(incident: Incident, opts?: { autoAssess?: boolean }): IncidentSnapshot;
  /** A person's action: the runtime stamps the time and resolves responder membership. */
  send(incidentId: number, command: IncidentCommand): Promise<SendResult>;
  /** What `step` would do now, changing nothing. */
  dryRun(
    incidentId: number,
    step: Step,
    overrides?: { strategy?: RecoveryStrategy; options?: ContainOptions },
  ): Promise<DryRunResult>;
  snapshot(incidentId: number): IncidentSnapshot | undefined;
  /** Incidents whose stored workflow this build refused to resume, with the reason. */
  refused(): RefusedIncident[];
  sweep(now?: Date): Promise<number>;
  /** Stops the sweeper and every actor; effects in flight are abandoned and re-run on next start. */
  stop(): Promise<void>;
}

type IncidentActor = Actor<IncidentMachine>;

interface Session {
  incidentId: number;
  actor: IncidentActor;
  pending: IncidentEmitted[];
  collector: IncidentEmitted[] | null;
  last: IncidentSnapshot | null;
  faulted: string | null;
  notified: Promise<void>;
  unsubscribe: () => void;
}

const DEFAULT_SWEEP_INTERVAL_MS = 30_000;

function incompatibleMessage(incident: Incident, machineId: string, version: number): string {
  return (
    `${incident.ref} cannot be resumed: its workflow was saved by machine "${machineId}" version ${version}, ` +
    `this build runs "${INCIDENT_MACHINE_ID}" version ${INCIDENT_MACHINE_VERSION}. The incident is left as it ` +
    'is; finish it by hand or with the build that started it (see docs/workflow.md).'
  );
}

export function createWorkflowRuntime(opts: WorkflowRuntimeOptions): WorkflowRuntime {
  const { store, logger, policy } = opts;
  const clock = opts.clock ?? (() => new Date());
  const sessions = new Map<number, Session>();
  const refusedIncidents = new Map<number, RefusedIncident>();
  // Listener calls still running for incidents that have just closed, so stop() can wait for them.
  const closing = new Set<Promise<void>>();
  const machine = incidentMachine.provide({
    actors: ledgeredActors(opts.effects, { store, clock, logger, onProgress: opts.onProgress }),
  });
  const sweeper = createSweeper({
    store,
    clock,
    logger,
    intervalMs: opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
    deliver: (incidentId, event) => {
      const session = sessions.get(incidentId);
      if (!session) return;
      const result = dispatch(session, event);
      if (!result.accepted)
        logger.debug({ incidentId, event: event.type, result }, 'deadline event had no effect');
    },
  });

  function onSnapshot(session: Session, snapshot: IncidentSnapshot): void {
    const events = session.pending.splice(0);
    if (snapshot === session.last && events.length === 0) return;
    session.last = snapshot;
    if (session.faulted) return;
    try {
      recordTransition(store, {
        snapshot,
        persisted: session.actor.getPersistedSnapshot(),
        events,
        reminderMs: policy.reminderMs,
        now: clock(),
      });
    } catch (err) {
      // Memory and database now disagree: stop this incident rather than act on unsaved state.
      // The next start resumes it from the last snapshot that was saved.
      session.faulted = err instanceof Error ? err.message : String(err);
      logger.error(
        { err, incidentId: session.incidentId },
        'workflow transition could not be saved; incident stopped',
      );
      queueMicrotask(() => {
        session.unsubscribe();
        session.actor.stop();
        if (sessions.get(session.incidentId) === session) sessions.delete(session.incidentId);
      });
      return;
    }
    if (snapshot.status === 'done') sessions.delete(session.incidentId);
    const listener = opts.onChange;
    if (listener) {
      session.notified = session.notified
        .then(() => listener(session.incidentId, snapshot, events))
        .catch((err) => logger.error({ err, incidentId: session.incidentId }, 'change listener failed'));
    }
    if (snapshot.status === 'done') {
      const last = session.notified;
      closing.add(last);
      void last.finally(() => closing.delete(last));
    }
  }

  function attach(incidentId: number, actor: IncidentActor): Session {
    const session: Session = {
      incidentId,
      actor,
      pending: [],
      collector: null,
      last: null,
      faulted: null,
      notified: Promise.resolve(),
      unsubscribe: () => {},
    };
    actor.on('*', (e) => {
      session.pending.push(e);
      session.collector?.push(e);
    });
    const sub = actor.subscribe({
      next: (s) => onSnapshot(session, s),
      error: (err) => {
        session.faulted = err instanceof Error ? err.message : String(err);
        logger.error({ err, incidentId }, 'workflow actor failed; incident stopped');
        sessions.delete(incidentId);
      },
    });
    session.unsubscribe = () => sub.unsubscribe();
    sessions.set(incidentId, session);
    return session;
  }

  function inputFor(incident: Incident, autoAssess?: boolean): IncidentInput {
    return {
      incidentId: incident.id,
      ref: incident.ref,
      buckets: incident.buckets,
      accessKeyIds: incident.accessKeyIds,
      windowStart: incident.windowStart.toISOString(),
      windowEnd: incident.windowEnd?.toISOString() ?? null,
      policy: {
        approvalsRequired: policy.approvalsRequired,
        twoPersonRule: policy.twoPersonRule,
        approvalTtlMs: policy.approvalTtlMs,
      },
      ...(autoAssess === undefined ? {} : { autoAssess }),
    };
  }

  function refuseIncident(
    incident: Incident,
    message: string,
    detail: Record<string, unknown>,
  ): RefusedIncident {
    const refusal = { incidentId: incident.id, ref: incident.ref, message };
    refusedIncidents.set(incident.id, refusal);
    logger.error({ incidentId: incident.id, ref: incident.ref, ...detail }, message);
    try {
      store.transaction(() => {
        store.audit.append({
          incidentId: incident.id,
          actor: 'system',
          action: 'workflow.restore',
          outcome: 'refused',
          detail: { message, ...detail },
          at: clock(),
        });
        store.incidents.update(
          incident.id,
          { summary: { ...incident.summary, workflowRefusal: message } },
          clock(),
        );
      });
    } catch (err) {
      logger.error({ err, incidentId: incident.id }, 'could not record the refused restore');
    }
    return refusal;
  }

  /** Resumes one incident from its stored snapshot; returns a refusal instead of throwing. */
  function restore(incident: Incident): RefusedIncident | 'restored' | 'opened' {
    const stored = store.snapshots.load(incident.id);
    if (!stored) {
      startFresh(incident);
      return 'opened';
    }
    if (stored.machineId !== INCIDENT_MACHINE_ID || stored.machineVersion !== INCIDENT_MACHINE_VERSION) {
      return refuseIncident(
        incident,
        incompatibleMessage(incident, stored.machineId, stored.machineVersion),
        {
          storedMachine: stored.machineId,
          storedVersion: stored.machineVersion,
          currentVersion: INCIDENT_MACHINE_VERSION,
        },
      );
    }
    let session: Session | undefined;
    try {
      const actor = createActor(machine, {
        snapshot: stored.snapshot as never,
        // Ignored when a snapshot is given; xstate's types ask for it all the same.
        input: inputFor(incident),
      });
      session = attach(incident.id, actor);
      actor.start();
      if (actor.getSnapshot().status === 'error') throw actor.getSnapshot().error;
    } catch (err) {
      session?.unsubscribe();
      session?.actor.stop();
      sessions.delete(incident.id);
      const why = err instanceof Error ? err.message : String(err);
      return refuseIncident(
        incident,
        `${incident.ref} cannot be resumed: its stored workflow is unreadable (${why}).`,
        {
          error: why,
        },
      );
    }
    if (incident.summary.workflowRefusal !== undefined) {
      const { workflowRefusal: _gone, ...summary } = incident.summary;
      store.incidents.update(incident.id, { summary }, clock());
    }
    refusedIncidents.delete(incident.id);
    return 'restored';
  }

  function startFresh(incident: Incident, autoAssess?: boolean): Session {
    store.audit.append({
      incidentId: incident.id,
      actor: 'system',
      action: 'workflow.open',
      outcome: 'info',
      detail: { ref: incident.ref, machine: INCIDENT_MACHINE_ID, version: INCIDENT_MACHINE_VERSION },
      at: clock(),
    });
    const session = attach(incident.id, createActor(machine, { input: inputFor(incident, autoAssess) }));
    session.actor.start();
    return session;
  }

  function dispatch(session: Session, event: IncidentEvent): SendResult {
    if (session.faulted) {
      return {
        accepted: false,
        reason: 'not-saved',
        refusal: 'This incident’s workflow stopped after a storage error.',
      };
    }
    const before = session.actor.getSnapshot();
    if (before.status !== 'active' || !before.can(event)) {
      const refusal = `${event.type} is not possible now (phase: ${phaseOf(before)}).`;
      if ('by' in event) {
        store.audit.append({
          incidentId: session.incidentId,
          actor: event.by.userId,
          action: attemptedAction(event.type),
          outcome: 'refused',
          detail: { reason: 'not-available', message: refusal, event: summarise(event) },
          at: clock(),
        });
      }
      return { accepted: false, reason: 'not-available', refusal };
    }
    const collected: IncidentEmitted[] = [];
    session.collector = collected;
    try {
      session.actor.send(event);
    } finally {
      session.collector = null;
    }
    const refused = collected.find((e) => e.type === 'refused');
    if (refused)
      return { accepted: false, reason: refused.reason, refusal: REFUSAL_MESSAGES[refused.reason] };
    if (session.faulted) {
      return {
        accepted: false,
        reason: 'not-saved',
        refusal: 'The change could not be saved; nothing was done.',
      };
    }
    return { accepted: true };
  }

  function noWorkflow(incidentId: number): SendResult {
    const refused = refusedIncidents.get(incidentId);
    return {
      accepted: false,
      reason: 'no-workflow',
      refusal: refused?.message ?? `Incident ${incidentId} has no running workflow (closed, or not opened).`,
    };
  }

  return {
    async start() {
      const report: StartReport = { restored: [], opened: [], refused: [], deadlinesFired: 0 };
      for (const incident of store.incidents.listOpen()) {
        if (sessions.has(incident.id)) continue;
        const outcome = restore(incident);
        if (outcome === 'restored') report.restored.push(incident.id);
        else if (outcome === 'opened') report.opened.push(incident.id);
        else report.refused.push(outcome);
      }
      // Deadlines that fell due while the bot was down are handled now, not an interval from now.
      report.deadlinesFired = sweeper.sweep();
      sweeper.start();
      logger.info(
        {
          restored: report.restored.length,
          opened: report.opened.length,
          refused: report.refused.length,
          deadlinesFired: report.deadlinesFired,
        },
        'workflow runtime started',
      );
      return report;
    },

    open(incident, openOpts = {}) {
      const running = sessions.get(incident.id);
      if (running) return running.actor.getSnapshot();
      if (store.snapshots.load(incident.id)) {
        const outcome = restore(incident);
        if (typeof outcome === 'object') throw new SsecError('SSEC_SNAPSHOT_INCOMPATIBLE', outcome.message);
        return sessions.get(incident.id)!.actor.getSnapshot();
      }
      return startFresh(incident, openOpts.autoAssess).actor.getSnapshot();
    },

    async send(incidentId, command) {
      if (!sessions.has(incidentId)) return noWorkflow(incidentId);
      let isResponder = false;
      try {
        isResponder = await opts.isResponder(command.by);
      } catch (err) {
        logger.warn({ err, userId: command.by }, 'responder lookup failed; treating as not a responder');
      }
      // Re-read: the incident may have closed while membership was being looked up.
      const session = sessions.get(incidentId);
      if (!session) return noWorkflow(incidentId);
      const event = {
        ...command,
        by: { userId: command.by, isResponder },
        at: clock().toISOString(),
      } as IncidentEvent;
      return dispatch(session, event);
    },

    async dryRun(incidentId, step, overrides = {}) {
      const session = sessions.get(incidentId);
      if (!session) throw new SsecError('SSEC_NOT_FOUND', noWorkflow(incidentId).refusal!);
      const { context } = session.actor.getSnapshot();
      const preview = {
        ...context,
        containment: { ...context.containment, options: overrides.options ?? context.containment.options },
        recovery: { ...context.recovery, strategy: overrides.strategy ?? context.recovery.strategy },
      };
      // Attempt 0 is never a real attempt, so a dry run can never be mistaken for one in the ledger.
      return opts.effects.dryRun(step, effectInput(preview, step, 0));
    },

    snapshot(incidentId) {
      return sessions.get(incidentId)?.actor.getSnapshot();
    },

    refused() {
      return [...refusedIncidents.values()];
    },

    async sweep(now) {
      return sweeper.sweep(now ?? clock());
    },

    async stop() {
      sweeper.stop();
      const stopping = [...sessions.values()];
      sessions.clear();
      for (const session of stopping) {
        session.unsubscribe();
        session.actor.stop();
      }
      await Promise.all([...stopping.map((s) => s.notified), ...closing]);
    },
  };
}

function summarise(event: IncidentEvent): Record<string, unknown> {
  const { by: _by, ...rest } = event as IncidentEvent & { by?: unknown };
  return rest;
}

export type { DeadlineEvent };
