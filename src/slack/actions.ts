// Button clicks. Every click is acknowledged first; the button's value says what it means and is
// checked like any input, then the workflow runtime decides. The answer goes to the clicker only.

import type { App, BlockAction, ButtonAction as BoltButton } from '@slack/bolt';
import type { IncidentCommand } from '../../workflows/types.ts';
import type { Clock } from '../context.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { ACTION_ID_PATTERN, type ButtonAction, decodeAction } from './action-values.ts';
import { afterAck } from './after-ack.ts';
import type { Message } from './blocks/kit.ts';
import { closeModal } from './blocks/modals.ts';
import type { IncidentActions, Reply, SlackRuntime } from './incident-actions.ts';
import type { WebClient } from './incident-notifier.ts';
import { viewOf } from './incident-view.ts';
import { auditRefusal } from './refusals.ts';

export interface ActionDeps {
  client: WebClient;
  store: Store;
  clock: Clock;
  logger: Logger;
  runtime: SlackRuntime;
  actions: IncidentActions;
}

const ATTEMPTED: Record<ButtonAction['kind'], string> = {
  request: 'approval.request',
  approve: 'approval.approve',
  reject: 'approval.reject',
  'dry-run': 'step.dry-run',
  retry: 'step.retry',
  assess: 'assess.request',
  close: 'incident.close',
  cancel: 'incident.cancel',
};

function commandFor(a: ButtonAction, by: string): IncidentCommand | null {
  switch (a.kind) {
    case 'request':
      return a.step === 'recover'
        ? { type: 'REQUEST', step: 'recover', strategy: a.strategy, by }
        : { type: 'REQUEST', step: a.step, by };
    case 'approve':
      return { type: 'APPROVE', approvalId: a.approvalId, by };
    case 'reject':
      return { type: 'REJECT', approvalId: a.approvalId, by };
    case 'retry':
      return { type: 'RETRY', step: a.step, by };
    case 'assess':
      return { type: 'ASSESS', by };
    default:
      return null;
  }
}

export function registerActionListeners(app: App, deps: ActionDeps): void {
  const { store, clock, actions } = deps;

  app.action<BlockAction<BoltButton>>(ACTION_ID_PATTERN, async ({ ack, body, action, respond }) => {
    await ack();
    await afterAck();
    const userId = body.user.id;
    const reply: Reply = async (m: string | Message) => {
      await respond(
        typeof m === 'string'
          ? { response_type: 'ephemeral', replace_original: false, text: m }
          : { response_type: 'ephemeral', replace_original: false, text: m.text, blocks: m.blocks as never },
      );
    };
    try {
      const decoded = decodeAction(action.value);
      if (!decoded) {
        const message = auditRefusal(store, clock, {
          incidentId: null,
          userId,
          action: 'slack.action',
          reason: 'malformed-action',
          detail: { actionId: action.action_id },
        });
        await reply(`:no_entry_sign: ${message}`);
        return;
      }
      await handle(decoded, userId, body, reply);
    } catch (err) {
      deps.logger.error({ err, actionId: action.action_id }, 'button handler failed');
      await reply(`:warning: That did not work: ${err instanceof Error ? err.message : String(err)}`);
    }
  });

  async function handle(a: ButtonAction, userId: string, body: BlockAction, reply: Reply): Promise<void> {
    const incident = store.incidents.get(a.incidentId);
    if (!incident) {
      const message = auditRefusal(store, clock, {
        incidentId: null,
        userId,
        action: ATTEMPTED[a.kind],
        reason: 'unknown-incident',
        detail: { incidentId: a.incidentId },
      });
      await reply(`:no_entry_sign: ${message}`);
      return;
    }
    if (a.kind === 'dry-run') {
      await actions.dryRun(a.incidentId, userId, a.step, reply);
      return;
    }
    if (a.kind === 'close' || a.kind === 'cancel') {
      const view = viewOf(store, (id) => deps.runtime.snapshot(id), incident);
      if (a.kind === 'close' && view.verified) {
        await actions.send(incident.id, { type: 'CLOSE', by: userId }, reply);
        return;
      }
      if (incident.status !== 'open') {
        const message = auditRefusal(store, clock, {
          incidentId: incident.id,
          userId,
          action: ATTEMPTED[a.kind],
          reason: 'incident-closed',
        });
        await reply(`:no_entry_sign: ${message}`);
        return;
      }
      // A reason is needed: ask for it in a modal (the trigger id is only good for 3 seconds).
      await deps.client.views.open({
        trigger_id: body.trigger_id,
        view: closeModal({ incidentId: incident.id, ref: incident.ref, kind: a.kind }) as never,
      });
      return;
    }
    const command = commandFor(a, userId);
    if (command) await actions.send(incident.id, command, reply);
  }
}
