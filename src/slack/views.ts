// Modal submissions: the declare form and the reason for closing or cancelling. Field errors are
// answered in the modal itself (response_action: errors); the rest happens after the ack.

import type { App } from '@slack/bolt';
import type { Clock } from '../context.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { afterAck } from './after-ack.ts';
import { CLOSE_CALLBACK, CLOSE_FIELDS, DECLARE_CALLBACK, DECLARE_FIELDS } from './blocks/modals.ts';
import type { DeclareIncident } from './commands.ts';
import { checkDeclare } from './declare-input.ts';
import type { IncidentActions } from './incident-actions.ts';
import type { IncidentNotifier, WebClient } from './incident-notifier.ts';
import { auditRefusal } from './refusals.ts';
import type { RespondersResolver } from './responders.ts';

export interface ViewDeps {
  client: WebClient;
  store: Store;
  clock: Clock;
  logger: Logger;
  notifier: IncidentNotifier;
  responders: RespondersResolver;
  actions: IncidentActions;
  declareIncident: DeclareIncident;
}

type StateValues = Record<
  string,
  Record<string, { value?: string | null; selected_date_time?: number | null }>
>;

function parseMetadata<T>(raw: string, check: (v: Record<string, unknown>) => T | undefined): T | undefined {
  try {
    const v = JSON.parse(raw) as unknown;
    return typeof v === 'object' && v !== null ? check(v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function registerViewListeners(app: App, deps: ViewDeps): void {
  const { store, clock } = deps;

  app.view(DECLARE_CALLBACK, async ({ ack, view, body }) => {
    const values = view.state.values as StateValues;
    const f = DECLARE_FIELDS;
    const when = values[f.since.block]?.[f.since.action]?.selected_date_time;
    const checked = checkDeclare(
      {
        buckets: [values[f.buckets.block]?.[f.buckets.action]?.value ?? ''],
        keys: [values[f.keys.block]?.[f.keys.action]?.value ?? ''],
        since: typeof when === 'number' ? new Date(when * 1000) : null,
      },
      clock(),
    );
    if (!checked.ok) {
      const errors: Record<string, string> = {};
      if (checked.errors.buckets) errors[f.buckets.block] = checked.errors.buckets;
      if (checked.errors.keys) errors[f.keys.block] = checked.errors.keys;
      if (checked.errors.since) errors[f.since.block] = checked.errors.since;
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    await afterAck();
    const userId = body.user.id;
    const meta = parseMetadata(view.private_metadata, (v) =>
      typeof v.channelId === 'string' ? { channelId: v.channelId } : undefined,
    );
    const tell = async (text: string) => {
      if (!meta) return;
      try {
        await deps.client.chat.postEphemeral({ channel: meta.channelId, user: userId, text });
      } catch (err) {
        deps.logger.warn({ err }, 'could not confirm the declaration to its author');
      }
    };
    if (!(await deps.responders.isResponder(userId))) {
      await tell(
        `:no_entry_sign: ${auditRefusal(store, clock, { incidentId: null, userId, action: 'incident.declare', reason: 'not-a-responder' })}`,
      );
      return;
    }
    try {
      const incident = await deps.declareIncident({ ...checked.input, declaredBy: userId });
      const link = await deps.notifier.permalink(incident.id);
      await tell(
        `:rotating_light: Declared ${incident.ref}.${link ? ` <${link}|Open the incident thread>.` : ''}`,
      );
    } catch (err) {
      deps.logger.error({ err }, 'declaring from the form failed');
      await tell(
        `:warning: The incident could not be declared: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  });

  app.view(CLOSE_CALLBACK, async ({ ack, view, body }) => {
    const values = view.state.values as StateValues;
    const reason = (values[CLOSE_FIELDS.reason.block]?.[CLOSE_FIELDS.reason.action]?.value ?? '').trim();
    if (reason === '') {
      await ack({
        response_action: 'errors',
        errors: { [CLOSE_FIELDS.reason.block]: 'Give a reason for the record.' },
      });
      return;
    }
    await ack();
    await afterAck();
    const userId = body.user.id;
    const meta = parseMetadata(view.private_metadata, (v) =>
      typeof v.incidentId === 'number' && (v.kind === 'close' || v.kind === 'cancel')
        ? { incidentId: v.incidentId, kind: v.kind as 'close' | 'cancel' }
        : undefined,
    );
    if (!meta) {
      auditRefusal(store, clock, {
        incidentId: null,
        userId,
        action: 'incident.close',
        reason: 'malformed-action',
      });
      return;
    }
    const reply = (m: string | { text: string }) =>
      deps.notifier.tellUser(meta.incidentId, userId, typeof m === 'string' ? m : m.text);
    await deps.actions.send(
      meta.incidentId,
      { type: meta.kind === 'close' ? 'CLOSE' : 'CANCEL', by: userId, reason },
      reply,
    );
  });
}
