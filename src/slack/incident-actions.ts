// What a person can do to an incident from Slack, whichever way they asked (slash command, button,
// modal): hand the command to the runtime and tell them the outcome where they acted.

import { nextSteps } from '../../workflows/incident-machine.ts';
import type {
  ContainOptions,
  IncidentCommand,
  NextStep,
  RecoveryStrategy,
  Step,
} from '../../workflows/types.ts';
import type { Clock } from '../context.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import type { WorkflowRuntime } from '../workflow/runtime.ts';
import { dryRunMessage } from './blocks/guided-replies.ts';
import type { Message } from './blocks/kit.ts';
import { STEP_NAMES, STRATEGY_NAMES } from './blocks/labels.ts';
import type { IncidentNotifier } from './incident-notifier.ts';
import { snapshotOf, viewOf } from './incident-view.ts';
import type { InteractionTracker } from './interactions.ts';
import { auditRefusal } from './refusals.ts';
import { buildReport } from './report/report.ts';
import type { RespondersResolver } from './responders.ts';

export type SlackRuntime = Pick<WorkflowRuntime, 'send' | 'dryRun' | 'snapshot'>;

/** Shows a message to the person who acted, where they acted. */
export type Reply = (message: string | Message) => Promise<void>;

export interface IncidentActionsDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  runtime: SlackRuntime;
  notifier: IncidentNotifier;
  responders: RespondersResolver;
  interactions: InteractionTracker;
  /** Display names for Slack user ids (ids it cannot resolve are left out). */
  userNames?: (ids: string[]) => Promise<Record<string, string>>;
}

export interface IncidentActions {
  /** Sends a command; on success says `done` (when given), on refusal says why and what is possible. */
  send(incidentId: number, command: IncidentCommand, reply: Reply, done?: string): Promise<boolean>;
  dryRun(
    incidentId: number,
    userId: string,
    step: Step,
    reply: Reply,
    overrides?: { strategy?: RecoveryStrategy; options?: ContainOptions },
  ): Promise<void>;
  attachReport(incidentId: number, userId: string, reply: Reply): Promise<void>;
}

function describeStep(s: NextStep): string | null {
  switch (s.action) {
    case 'request':
      return s.step === 'recover'
        ? `request recovery (${s.strategies.map((x) => STRATEGY_NAMES[x]).join(', ')})`
        : `request ${STEP_NAMES[s.step]}`;
    case 'decide':
      return `approve or reject ${STEP_NAMES[s.step]} (${s.approvalId})`;
    case 'retry':
      return `retry ${STEP_NAMES[s.step]}`;
    case 'assess':
      return 'run the assessment';
    case 'close':
      return s.reasonRequired ? 'close with a reason' : 'close';
    default:
      return null;
  }
}

export function createIncidentActions(deps: IncidentActionsDeps): IncidentActions {
  const { store, clock, runtime, notifier } = deps;

  function possibleNow(incidentId: number): string {
    const snapshot = snapshotOf(store, incidentId, (id) => runtime.snapshot(id));
    const steps = snapshot ? nextSteps(snapshot) : [];
    const words = [...new Set(steps.map(describeStep).filter((w): w is string => w !== null))];
    return words.length > 0 ? ` Possible now: ${words.join('; ')}.` : '';
  }

  async function threadLink(incidentId: number): Promise<string> {
    const link = await notifier.permalink(incidentId);
    return link ? ` <${link}|Open the thread>.` : '';
  }

  return {
    async send(incidentId, command, reply, done) {
      const end = deps.interactions.begin(incidentId, command.by);
      try {
        const incident = store.incidents.get(incidentId);
        if (!incident) {
          const message = auditRefusal(store, clock, {
            incidentId: null,
            userId: command.by,
            action: `slack.${command.type.toLowerCase()}`,
            reason: 'unknown-incident',
            detail: { incidentId },
          });
          await reply(`:no_entry_sign: ${message}`);
          return false;
        }
        const result = await runtime.send(incidentId, command);
        if (result.accepted) {
          if (done) await reply(`${done}${await threadLink(incidentId)}`);
          return true;
        }
        if (result.reason === 'no-workflow') {
          // The runtime does not audit this one: the incident has no workflow to refuse it.
          const message = auditRefusal(store, clock, {
            incidentId,
            userId: command.by,
            action: `slack.${command.type.toLowerCase()}`,
            reason: incident.status === 'open' ? 'stale-message' : 'incident-closed',
            detail: { command: { ...command, by: undefined }, runtime: result.refusal },
          });
          await reply(`:no_entry_sign: ${incident.ref}: ${message}`);
          return false;
        }
        const hint = result.reason === 'not-available' ? possibleNow(incidentId) : '';
        await reply(`:no_entry_sign: ${incident.ref}: ${result.refusal ?? 'Refused.'}${hint}`);
        return false;
      } finally {
        end();
      }
    },

    async dryRun(incidentId, userId, step, reply, overrides = {}) {
      const incident = store.incidents.get(incidentId);
      if (!incident) {
        await reply(
          `:no_entry_sign: ${auditRefusal(store, clock, { incidentId: null, userId, action: 'step.dry-run', reason: 'unknown-incident', detail: { incidentId, step } })}`,
        );
        return;
      }
      // A dry run changes nothing but reads AWS on the bot's credentials: responders only.
      if (!(await deps.responders.isResponder(userId))) {
        await reply(
          `:no_entry_sign: ${auditRefusal(store, clock, { incidentId, userId, action: 'step.dry-run', reason: 'not-a-responder', detail: { step } })}`,
        );
        return;
      }
      if (!runtime.snapshot(incidentId)) {
        await reply(
          `:no_entry_sign: ${auditRefusal(store, clock, { incidentId, userId, action: 'step.dry-run', reason: 'incident-closed', detail: { step } })}`,
        );
        return;
      }
      try {
        const result = await runtime.dryRun(incidentId, step, overrides);
        store.audit.append({
          incidentId,
          actor: userId,
          action: 'step.dry-run',
          outcome: 'info',
          detail: { step, summary: result.summary, counts: result.counts ?? {} },
          at: clock(),
        });
        await reply(dryRunMessage(incident.ref, result));
      } catch (err) {
        deps.logger.warn({ err, incidentId, step }, 'dry run failed');
        await reply(
          `:warning: The dry run of ${STEP_NAMES[step]} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    },

    async attachReport(incidentId, userId, reply) {
      const incident = store.incidents.get(incidentId);
      if (!incident) {
        await reply(':no_entry_sign: That incident does not exist.');
        return;
      }
      const snapshot = snapshotOf(store, incidentId, (id) => runtime.snapshot(id));
      const view = viewOf(store, (id) => runtime.snapshot(id), incident, snapshot);
      const buckets = store.assessments.latestRuns(incidentId).map((run) => {
        const c = store.assessments.counts(run.id);
        return {
          bucket: run.bucket,
          runId: run.id,
          total: c.total,
          restored: c.restored,
          unrecoverable: c.unrecoverable,
          failed: c.failed,
          pending: c.pending,
          changed: c.changed,
        };
      });
      const now = clock();
      const audit = store.audit.forIncident(incidentId);
      const people = [...new Set([...audit.map((e) => e.actor), incident.declaredBy ?? ''])].filter((a) =>
        /^[UW][A-Z0-9]+$/.test(a),
      );
      const markdown = buildReport({
        incident,
        view,
        context: snapshot?.context,
        audit,
        buckets,
        generatedAt: now,
        names: deps.userNames ? await deps.userNames(people) : {},
        integrity: { verification: store.audit.verify(), head: store.audit.head() },
      });
      const stamp = now.toISOString().replace(/[:]/g, '').slice(0, 15);
      const attached = await notifier.attachFile(incidentId, {
        filename: `${incident.ref}-report-${stamp}.md`,
        title: `${incident.ref} post-incident report`,
        content: Buffer.from(markdown, 'utf8'),
        comment: `:page_facing_up: Post-incident report for ${incident.ref}, requested by <@${userId}>.`,
      });
      store.audit.append({
        incidentId,
        actor: userId,
        action: 'report.attach',
        outcome: attached ? 'ok' : 'failed',
        detail: { bytes: Buffer.byteLength(markdown) },
        at: now,
      });
      await reply(
        attached
          ? `:page_facing_up: The report for ${incident.ref} is attached to the incident thread.${await threadLink(incidentId)}`
          : `:warning: The report for ${incident.ref} could not be attached (see the bot's log).`,
      );
    },
  };
}
