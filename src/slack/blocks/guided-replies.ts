// The thread replies that walk responders through the incident: for each step, what was found or
// done, what happens next, and what they must decide (with the buttons for it).

import type { DryRunResult, IncidentEmitted, NextStep } from '../../../workflows/types.ts';
import type { IncidentView } from '../incident-view.ts';
import { escapeMrkdwn, joinWithMore, LIMITS, truncate } from '../limits.ts';
import {
  actionRows,
  type Block,
  capBlocks,
  context,
  type Message,
  mention,
  section,
  slackDate,
} from './kit.ts';
import { STEP_NAMES, STEP_TITLES } from './labels.ts';
import { nextStepButtons } from './next-steps.ts';

const n = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US') : '–');

function withButtons(
  incidentId: number,
  text: string,
  body: string,
  steps: NextStep[],
  only: NextStep['action'][],
  blockId: string,
): Message {
  const blocks: Block[] = [section(body)];
  blocks.push(...actionRows(blockId, nextStepButtons(incidentId, steps, { only })));
  return { text, blocks: capBlocks(blocks) };
}

/** The first reply under a new control panel: what is known, and the first decision. */
export function openingReply(v: IncidentView, alertSummary: string | undefined): Message {
  const known = alertSummary ? `*What we know*\n${truncate(escapeMrkdwn(alertSummary), 1500)}\n\n` : '';
  const body =
    `${known}*Next: contain.* Requesting containment asks another responder to approve: deactivate the key, ` +
    'block further SSE-C writes and defuse the attacker’s lifecycle rule before it deletes the clean versions. ' +
    'The read-only assessment runs meanwhile and needs no approval.\n' +
    'Try a *dry run* first to see exactly what would change.';
  // Before the workflow has started there are no next steps yet; a new incident's first move is known.
  const steps: NextStep[] =
    v.steps.length > 0 || v.status !== 'open'
      ? v.steps
      : [
          { action: 'request', step: 'contain' },
          { action: 'dry-run', step: 'contain' },
        ];
  return withButtons(v.id, `${v.ref}: what to do first`, body, steps, ['request', 'dry-run'], 'open-actions');
}

function findingsText(findings: Record<string, unknown>): string {
  const entries = Object.entries(findings)
    .filter(([, value]) => ['number', 'boolean', 'string'].includes(typeof value))
    .map(([k, value]) => `${escapeMrkdwn(k)}: ${escapeMrkdwn(String(value))}`);
  return entries.length > 0 ? `\nFindings: ${joinWithMore(entries, 800)}` : '';
}

/**
 * One line when clean versions to restore are archived: recovery cannot copy them until someone
 * runs RestoreObject on each, which takes hours, so the responders should start it now.
 */
function archivedText(v: IncidentView): string {
  const buckets = v.findings.buckets.filter((b) => (b.archivedRestoreVersions ?? 0) > 0);
  const total = buckets.reduce((sum, b) => sum + (b.archivedRestoreVersions ?? 0), 0);
  if (total === 0) return '';
  const one = total === 1;
  const where =
    v.findings.buckets.length > 1
      ? ` in ${joinWithMore(
          buckets.map((b) => escapeMrkdwn(b.bucket)),
          200,
        )}`
      : '';
  return (
    `\n:snowflake: ${n(total)} clean version${one ? '' : 's'}${where} ${one ? 'is' : 'are'} archived (GLACIER/DEEP_ARCHIVE): ` +
    `S3 will not copy ${one ? 'it' : 'them'} until ${one ? 'it is' : 'they are'} restored with restore-object (hours). Start that now.`
  );
}

export function stepSucceededReply(
  v: IncidentView,
  e: Extract<IncidentEmitted, { type: 'step.succeeded' }>,
): Message {
  const r = e.result;
  switch (e.step) {
    case 'contain': {
      const notes = Array.isArray(r.notes)
        ? `\nNotes: ${joinWithMore(
            r.notes.map((x) => escapeMrkdwn(String(x))),
            800,
            '; ',
          )}`
        : '';
      const body =
        `:shield: *Contained.* ${n(r.keysDeactivated)} key(s) deactivated, ${n(r.bucketsBlocked)} bucket(s) blocking SSE-C writes, ` +
        `${n(r.lifecycleRulesDefused)} lifecycle rule(s) defused.${notes}\n` +
        (v.counts.affected === null
          ? '*Next:* the assessment finishes; then request recovery.'
          : '*Next:* request recovery of the affected objects.');
      return withButtons(v.id, `${v.ref}: contained`, body, v.steps, ['request', 'dry-run'], 'contain-done');
    }
    case 'rollback': {
      const body =
        `:leftwards_arrow_with_hook: *Containment rolled back.* ${n(r.keysReactivated)} key(s) reactivated, ` +
        `${n(r.bucketsUnblocked)} bucket(s) unblocked, ${n(r.lifecycleRulesRestored)} lifecycle rule(s) restored.\n` +
        '*Next:* contain again if the key is still at risk.';
      return withButtons(v.id, `${v.ref}: rolled back`, body, v.steps, ['request'], 'rollback-done');
    }
    case 'assess': {
      const findings =
        typeof r.findings === 'object' && r.findings !== null ? (r.findings as Record<string, unknown>) : {};
      const perBucket = v.findings.buckets
        .flatMap((b) => b.messages.slice(0, 3))
        .map((m) => `• ${escapeMrkdwn(m)}`);
      const archived = archivedText(v);
      // The archived line comes out of the per-bucket budget, so the section stays within Slack's 3,000.
      const bucketText =
        perBucket.length > 0 ? `\n${joinWithMore(perBucket, 1500 - archived.length, '\n')}` : '';
      const body =
        `:mag: *Assessment done.* ${n(r.affected)} object(s) re-encrypted by the attacker, ${n(r.unrecoverable)} without a clean ` +
        `version to restore, ${n(r.changed)} other change(s) in the window.${archived}${findingsText(findings)}${bucketText}\n` +
        'The affected objects are listed in the attached CSV.\n' +
        (v.steps.some((s) => s.action === 'request' && s.step === 'recover')
          ? '*Decide:* request recovery — prior versions is the usual choice; AWS Backup when versions are gone; Batch Operations for millions of objects.'
          : '*Next:* containment must be in place before recovery can be requested.');
      return withButtons(
        v.id,
        `${v.ref}: assessment done`,
        body,
        v.steps,
        ['request', 'dry-run'],
        'assess-done',
      );
    }
    case 'recover': {
      const jobs =
        Array.isArray(r.jobIds) && r.jobIds.length > 0
          ? `\nJobs: ${joinWithMore(r.jobIds.map(String), 500)}`
          : '';
      const body =
        `:recycle: *Recovery done.* ${n(r.restored)} restored, ${n(r.failed)} failed, ${n(r.unrecoverable)} unrecoverable.${jobs}\n` +
        '*Next:* verification runs now: every affected object is read back without a customer key.';
      return { text: `${v.ref}: recovery done`, blocks: [section(body)] };
    }
    case 'verify': {
      const body =
        ':white_check_mark: *Verified.* Every affected object now reads without the attacker’s key.\n' +
        `*Next:* \`/ssec report ${v.ref}\` attaches the post-incident report; then close the incident.`;
      return withButtons(v.id, `${v.ref}: verified`, body, v.steps, ['close'], 'verify-done');
    }
  }
}

export function stepFailedReply(
  v: IncidentView,
  e: Extract<IncidentEmitted, { type: 'step.failed' }>,
): Message {
  const body =
    `:x: *${STEP_TITLES[e.step]} failed* (attempt ${e.attempt}): ${escapeMrkdwn(truncate(e.error, 1500))}\n` +
    '*Decide:* fix the cause (permissions, throttling, a missing bucket) and retry; nothing is repeated that already succeeded.';
  return withButtons(
    v.id,
    `${v.ref}: ${STEP_NAMES[e.step]} failed`,
    body,
    v.steps,
    ['retry', 'request'],
    `failed-${e.step}`,
  );
}

export function decisionReply(
  v: IncidentView,
  e: Extract<IncidentEmitted, { type: 'rejected' | 'expired' }>,
): Message {
  const body =
    e.type === 'rejected'
      ? `:no_entry: ${mention(e.userId)} rejected ${STEP_NAMES[e.step]}${e.reason ? `: ${escapeMrkdwn(e.reason)}` : '.'} Request it again if the situation changes.`
      : `:hourglass: The request for ${STEP_NAMES[e.step]} expired before anyone decided. Request it again if it is still needed.`;
  return withButtons(
    v.id,
    `${v.ref}: ${STEP_NAMES[e.step]} ${e.type}`,
    body,
    v.steps,
    ['request'],
    `decided-${e.approvalId}`,
  );
}

export function reminderReply(
  v: IncidentView,
  e: Extract<IncidentEmitted, { type: 'reminder' }>,
  opts: { responders: string[]; approvalLink: string | null },
): Message {
  const link = opts.approvalLink ? ` (<${opts.approvalLink}|the request>)` : '';
  const pings = joinWithMore(
    opts.responders.filter((r) => r !== e.requestedBy).map(mention),
    LIMITS.sectionText / 2,
    ' ',
  );
  const body =
    `:bell: Still waiting: ${mention(e.requestedBy)} asked for *${STEP_NAMES[e.step]}*${link}. ` +
    `It expires ${slackDate(new Date(e.expiresAt))}.${pings ? `\n${pings}` : ''}`;
  return { text: `${v.ref}: ${STEP_NAMES[e.step]} still needs approval`, blocks: [section(body)] };
}

export function closedReply(v: IncidentView, e: Extract<IncidentEmitted, { type: 'closed' }>): Message {
  const how = e.outcome === 'resolved' ? ':large_green_circle: *Resolved*' : ':black_circle: *Cancelled*';
  const body =
    `${how} by ${mention(e.userId)}${e.reason ? `: ${escapeMrkdwn(e.reason)}` : '.'}\n` +
    `\`/ssec report ${v.ref}\` attaches the post-incident report to this thread.`;
  return { text: `${v.ref} ${e.outcome}`, blocks: [section(body)] };
}

export function dryRunMessage(ref: string, result: DryRunResult): Message {
  const actions = result.actions.map((a) => `• ${escapeMrkdwn(a)}`);
  const counts = Object.entries(result.counts ?? {}).map(
    ([k, value]) => `${escapeMrkdwn(k)}: ${value.toLocaleString('en-US')}`,
  );
  const blocks: Block[] = [
    section(
      `:test_tube: *Dry run of ${STEP_NAMES[result.step]} on ${ref}* — nothing was changed.\n${escapeMrkdwn(result.summary)}`,
    ),
  ];
  if (actions.length > 0) blocks.push(section(joinWithMore(actions, LIMITS.sectionText - 10, '\n')));
  if (counts.length > 0) blocks.push(context([joinWithMore(counts, 2000, ' · ')]));
  return { text: `Dry run of ${STEP_NAMES[result.step]} on ${ref}`, blocks };
}
