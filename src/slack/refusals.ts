// Refusals the Slack layer decides itself, before anything reaches the workflow runtime (a button
// this bot did not write, a click on a closed incident's message, a non-responder asking for a dry
// run). The runtime audits the refusals it makes; these are audited here, the same way.

import type { Clock } from '../context.ts';
import type { Store } from '../store/store.ts';

export type SlackRefusalReason =
  | 'not-a-responder'
  | 'stale-message'
  | 'unknown-incident'
  | 'malformed-action'
  | 'incident-closed';

export const SLACK_REFUSAL_MESSAGES: Record<SlackRefusalReason, string> = {
  'not-a-responder': 'Only configured incident responders can do that.',
  'stale-message':
    'That button is from an older message; nothing was changed. Use the control panel at the top of the thread.',
  'unknown-incident':
    'That incident does not exist (the message may be from another installation or a reset database).',
  'malformed-action': 'That button could not be read; nothing was changed.',
  'incident-closed': 'That incident is closed; nothing was changed.',
};

export interface SlackRefusal {
  incidentId: number | null;
  userId: string;
  /** The attempted action, named like the runtime's audit entries (`approval.approve`, `step.dry-run`…). */
  action: string;
  reason: SlackRefusalReason;
  detail?: Record<string, unknown>;
}

export function auditRefusal(store: Store, clock: Clock, r: SlackRefusal): string {
  const message = SLACK_REFUSAL_MESSAGES[r.reason];
  store.audit.append({
    incidentId: r.incidentId,
    actor: r.userId,
    action: r.action,
    outcome: 'refused',
    detail: { reason: r.reason, message, via: 'slack', ...r.detail },
    at: clock(),
  });
  return message;
}
