// The incident thread's root message: one place that always shows where the incident stands and
// what can be done next. It is edited in place (chat.update) on every change.

import type { Phase } from '../../../workflows/types.ts';
import type { IncidentView } from '../incident-view.ts';
import { escapeMrkdwn, joinWithMore, LIMITS } from '../limits.ts';
import {
  actionRows,
  type Block,
  capBlocks,
  context,
  fields,
  header,
  type Message,
  mention,
  section,
  slackDate,
} from './kit.ts';
import { PHASE_EMOJI, PHASE_NAMES, STEP_NAMES, STEP_TITLES } from './labels.ts';
import { nextStepButtons } from './next-steps.ts';

const PROGRESSION: Phase[] = ['reported', 'contain', 'assess', 'recover', 'verify', 'resolved'];

function phaseLine(phase: Phase): string {
  if (phase === 'cancelled') return `${PHASE_EMOJI.cancelled} *Cancelled*`;
  const at = PROGRESSION.indexOf(phase);
  return PROGRESSION.map((p, i) =>
    i === at ? `*${PHASE_EMOJI[p]} ${PHASE_NAMES[p]}*` : i < at ? `~${PHASE_NAMES[p]}~` : PHASE_NAMES[p],
  ).join(' → ');
}

const count = (n: number | null) => (n === null ? '–' : n.toLocaleString('en-US'));
const code = (s: string) => `\`${escapeMrkdwn(s)}\``;

function keysField(v: IncidentView): string {
  if (v.accessKeyIds.length === 0) return '*Access key*\nnot known yet';
  const keys = v.accessKeyIds.map((k) =>
    v.keyOwners[k] ? `${code(k)} (${escapeMrkdwn(v.keyOwners[k]!)})` : code(k),
  );
  return `*Access key and owner*\n${joinWithMore(keys, LIMITS.fieldText - 40)}`;
}

function lifecycleField(v: IncidentView, now: Date): string {
  const { deadline, defused } = v.lifecycle;
  if (defused !== null && defused > 0)
    return `*Lifecycle deadline*\n:white_check_mark: ${defused} rule(s) defused`;
  if (!deadline) return '*Lifecycle deadline*\nnone seen yet';
  const hours = Math.round((deadline.getTime() - now.getTime()) / 3_600_000);
  const left = hours >= 0 ? `in ~${hours} h` : `${-hours} h ago`;
  return `*Lifecycle deadline*\n:hourglass_flowing_sand: ${slackDate(deadline)} (${left})`;
}

/** Who is waiting on whom: pending approvals first, then running steps, failures, and the next move. */
export function waitingLines(v: IncidentView): string[] {
  const lines: string[] = [];
  for (const a of v.pending) {
    const who = a.otherThanRequester ? `a responder other than ${mention(a.requestedBy)}` : 'a responder';
    const have = a.approvers.length > 0 ? ` (approved so far by ${a.approvers.map(mention).join(', ')})` : '';
    lines.push(
      `:hourglass: ${mention(a.requestedBy)} asked for *${STEP_NAMES[a.step]}* — waiting on ${who}: ${a.approvers.length}/${a.required} approvals${have}, expires ${slackDate(a.expiresAt, '{time}')}`,
    );
  }
  for (const step of v.running)
    lines.push(`:gear: ${STEP_TITLES[step]} is running — waiting on AWS (progress in the thread)`);
  for (const f of v.failures)
    lines.push(
      `:x: ${STEP_TITLES[f.step]} failed: ${escapeMrkdwn(f.error)} — waiting on a responder to retry`,
    );
  if (lines.length > 0) return lines;
  if (v.status !== 'open') return [];
  if (v.verified)
    return [':white_check_mark: Verified — waiting on a responder to attach the report and close'];
  const requests = v.steps.filter((s) => s.action === 'request').map((s) => STEP_NAMES[s.step]);
  if (requests.length > 0)
    return [`:point_right: Waiting on a responder to request ${requests.join(' or ')}`];
  return [':point_right: Waiting on a responder'];
}

export function controlPanel(v: IncidentView, now: Date): Message {
  const title = `${PHASE_EMOJI[v.phase]} ${v.ref} · ${v.title}`;
  const buckets = v.buckets.map(code);
  const where = [
    v.accountId ? `account ${code(v.accountId)}` : null,
    v.region ? code(v.region) : null,
  ].filter(Boolean);
  const blocks: Block[] = [
    header(title),
    section(`${phaseLine(v.phase)}\n*Severity:* ${escapeMrkdwn(v.severity)} · *Status:* ${v.status}`, {
      blockId: 'panel-phase',
    }),
    fields([
      keysField(v),
      `*Buckets (${v.buckets.length})*\n${buckets.length > 0 ? joinWithMore(buckets, LIMITS.fieldText - 40) : 'none'}`,
      `*Window since*\n${slackDate(v.windowStart)}`,
      lifecycleField(v, now),
      `*Where*\n${where.length > 0 ? where.join(' · ') : 'account not known yet'}`,
      `*Declared by*\n${v.declaredBy ? (v.declaredBy.startsWith('U') || v.declaredBy.startsWith('W') ? mention(v.declaredBy) : escapeMrkdwn(v.declaredBy)) : 'alert'}`,
    ]),
    fields([
      `*Affected objects*\n${count(v.counts.affected)}`,
      `*Restored*\n${count(v.counts.restored)}`,
      `*Unrecoverable*\n${count(v.counts.unrecoverable)}`,
      `*Failed / still encrypted*\n${count(v.counts.failed)} / ${count(v.counts.remaining)}`,
    ]),
  ];
  const waiting = waitingLines(v);
  if (waiting.length > 0)
    blocks.push(
      section(`*Waiting on*\n${joinWithMore(waiting, LIMITS.sectionText - 20, '\n')}`, {
        blockId: 'panel-waiting',
      }),
    );
  if (v.closure) {
    const how =
      v.closure.outcome === 'resolved' ? ':large_green_circle: Resolved' : ':black_circle: Cancelled';
    const why = v.closure.reason ? `: ${escapeMrkdwn(v.closure.reason)}` : '';
    blocks.push(
      section(`${how} by ${mention(v.closure.by)} ${slackDate(new Date(v.closure.at))}${why}`, {
        blockId: 'panel-closure',
      }),
    );
  }
  blocks.push(...actionRows('panel-actions', nextStepButtons(v.id, v.steps)));
  blocks.push(context([`Updated ${slackDate(now)} · \`/ssec status ${v.ref}\` · \`/ssec help\``]));
  const text = `${v.ref} · ${PHASE_NAMES[v.phase]} · ${v.title}`;
  return { text: text.slice(0, LIMITS.messageText), blocks: capBlocks(blocks) };
}
