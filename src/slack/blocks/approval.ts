// The message that asks for a decision on a step that changes AWS. While pending it carries
// Approve / Reject / Dry run; once decided it is edited in place to say how and by whom, without
// buttons, so an old message cannot be mistaken for a live request.

import type { Approval } from '../../../workflows/types.ts';
import { escapeMrkdwn, joinWithMore, LIMITS } from '../limits.ts';
import { actionRows, type Block, context, type Message, mention, section, slackDate } from './kit.ts';
import { describeParams, STEP_NAMES, STEP_TITLES } from './labels.ts';
import { actionButton, approveButton, rejectButton } from './next-steps.ts';

export interface ApprovalMessageInput {
  incidentId: number;
  ref: string;
  approval: Approval;
  /** Responders to ping (user and user-group ids). */
  responders: string[];
}

function outcomeLine(a: Approval): string | null {
  const at = a.decidedAt ? ` ${slackDate(new Date(a.decidedAt))}` : '';
  switch (a.status) {
    case 'approved':
      return `:white_check_mark: *Approved* by ${a.approvers.map((x) => mention(x.userId)).join(', ')}${at}`;
    case 'rejected':
      return `:no_entry: *Rejected* by ${a.decidedBy ? mention(a.decidedBy) : 'a responder'}${at}${a.reason ? `: ${escapeMrkdwn(a.reason)}` : ''}`;
    case 'expired':
      return `:hourglass: *Expired*${at} — nobody decided in time. Request ${STEP_NAMES[a.step]} again if it is still needed.`;
    case 'withdrawn':
      return `:heavy_minus_sign: *Withdrawn*${at} — the incident was closed.`;
    default:
      return null;
  }
}

export function approvalMessage(input: ApprovalMessageInput): Message {
  const { approval: a, incidentId, ref } = input;
  const does = describeParams(a.params)
    .map((d) => `• ${escapeMrkdwn(d)}`)
    .join('\n');
  const who = a.required > 1 ? `${a.required} responders` : 'a responder';
  const other = a.required > 0 ? ` other than ${mention(a.requestedBy)}` : '';
  const blocks: Block[] = [
    section(
      `:raised_hand: *${mention(a.requestedBy)} asks to run ${STEP_NAMES[a.step]} on ${ref}*\nIf approved, the bot will:\n${does}`,
      { blockId: `approval-${a.id}` },
    ),
  ];
  const outcome = outcomeLine(a);
  if (outcome) {
    blocks.push(section(outcome, { blockId: `approval-${a.id}-outcome` }));
  } else {
    const so =
      a.approvers.length > 0
        ? ` Approved so far by ${a.approvers.map((x) => mention(x.userId)).join(', ')}.`
        : '';
    blocks.push(
      section(
        `Needs ${who}${other} (${a.approvers.length}/${a.required}).${so} Expires ${slackDate(new Date(a.expiresAt))}.`,
        { blockId: `approval-${a.id}-needs` },
      ),
      ...actionRows(`approval-${a.id}-actions`, [
        approveButton(incidentId, a.id, a.step),
        rejectButton(incidentId, a.id, a.step),
        actionButton({ kind: 'dry-run', incidentId, step: a.step }, 'Dry run'),
      ]),
    );
    if (input.responders.length > 0) {
      blocks.push(
        context([`Responders: ${joinWithMore(input.responders.map(mention), LIMITS.sectionText - 20, ' ')}`]),
      );
    }
  }
  const text = `${STEP_TITLES[a.step]} of ${ref} ${a.status === 'pending' ? 'needs approval' : a.status}`;
  return { text, blocks };
}
