import type { IncidentEmitted, IncidentEventType } from '../../workflows/types.ts';
import { REFUSAL_MESSAGES } from '../../workflows/types.ts';
import type { AuditEntryInput } from '../store/audit-log.ts';

// The audit log names what was attempted; `outcome` says how it went.
const ATTEMPTED: Record<IncidentEventType, string> = {
  REQUEST: 'approval.request',
  APPROVE: 'approval.approve',
  REJECT: 'approval.reject',
  RETRY: 'step.retry',
  ASSESS: 'assess.request',
  CLOSE: 'incident.close',
  CANCEL: 'incident.cancel',
  EXPIRE: 'approval.expire',
  REMIND: 'approval.remind',
};

// A restore may report a request id per object; the audit row keeps a bounded, useful prefix.
const MAX_REQUEST_IDS = 100;

export const attemptedAction = (event: IncidentEventType): string => ATTEMPTED[event];

/** Audit rows for what the machine emitted in one transition; reminders are chatter, not decisions. */
export function auditEntriesFor(incidentId: number, events: IncidentEmitted[], at: Date): AuditEntryInput[] {
  const entries: AuditEntryInput[] = [];
  const add = (e: Omit<AuditEntryInput, 'incidentId' | 'at'>) => entries.push({ incidentId, at, ...e });
  for (const e of events) {
    switch (e.type) {
      case 'refused':
        add({
          actor: e.userId,
          action: ATTEMPTED[e.event],
          outcome: 'refused',
          detail: {
            reason: e.reason,
            message: REFUSAL_MESSAGES[e.reason],
            approvalId: e.approvalId,
            step: e.step,
          },
        });
        break;
      case 'requested':
        add({
          actor: e.userId,
          action: 'approval.request',
          outcome: 'ok',
          detail: {
            approvalId: e.approvalId,
            step: e.step,
            params: e.params,
            required: e.required,
            expiresAt: e.expiresAt,
          },
        });
        break;
      case 'approved':
        add({
          actor: e.userId,
          action: 'approval.approve',
          outcome: 'ok',
          detail: {
            approvalId: e.approvalId,
            step: e.step,
            approvals: e.approvals,
            required: e.required,
            complete: e.complete,
          },
        });
        break;
      case 'rejected':
        add({
          actor: e.userId,
          action: 'approval.reject',
          outcome: 'ok',
          detail: { approvalId: e.approvalId, step: e.step, reason: e.reason },
        });
        break;
      case 'expired':
        add({
          actor: 'system',
          action: 'approval.expire',
          outcome: 'info',
          detail: { approvalId: e.approvalId, step: e.step },
        });
        break;
      case 'withdrawn':
        add({
          actor: 'system',
          action: 'approval.withdraw',
          outcome: 'info',
          detail: { approvalId: e.approvalId, step: e.step },
        });
        break;
      case 'reminder':
        break;
      case 'step.started':
        add({
          actor: e.userId ?? 'system',
          action: `${e.step}.start`,
          outcome: 'info',
          detail: { step: e.step, attempt: e.attempt, retry: e.retry },
        });
        break;
      case 'step.succeeded':
        add({
          actor: 'system',
          action: `${e.step}.result`,
          outcome: 'ok',
          detail: {
            step: e.step,
            attempt: e.attempt,
            result: e.result,
            awsRequestIdCount: e.awsRequestIds.length,
          },
          awsRequestIds: e.awsRequestIds.slice(0, MAX_REQUEST_IDS),
        });
        break;
      case 'step.failed':
        add({
          actor: 'system',
          action: `${e.step}.result`,
          outcome: 'failed',
          detail: { step: e.step, attempt: e.attempt, error: e.error },
          awsRequestIds: e.awsRequestIds.slice(0, MAX_REQUEST_IDS),
        });
        break;
      case 'closed':
        add({
          actor: e.userId,
          action: e.outcome === 'resolved' ? 'incident.close' : 'incident.cancel',
          outcome: 'ok',
          detail: { outcome: e.outcome, reason: e.reason },
        });
        break;
    }
  }
  return entries;
}
