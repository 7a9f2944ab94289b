// Read-only overviews: `/ssec list`, `/ssec status` and the App Home tab.

import type { IncidentView } from '../incident-view.ts';
import { escapeMrkdwn, joinWithMore, LIMITS, truncate } from '../limits.ts';
import { controlPanel, waitingLines } from './control-panel.ts';
import { type Block, capBlocks, context, divider, header, type Message, section, slackDate } from './kit.ts';
import { PHASE_EMOJI, PHASE_NAMES } from './labels.ts';

export interface Listed {
  view: IncidentView;
  permalink: string | null;
}

const linked = (l: Listed) => (l.permalink ? `<${l.permalink}|${l.view.ref}>` : l.view.ref);

function line(l: Listed): string {
  const v = l.view;
  const waiting = waitingLines(v)[0];
  return `${PHASE_EMOJI[v.phase]} *${linked(l)}* · ${PHASE_NAMES[v.phase]} · ${escapeMrkdwn(truncate(v.title, 120))} · ${v.buckets.length} bucket(s)${waiting ? `\n      ${waiting}` : ''}`;
}

export function listMessage(open: Listed[]): Message {
  if (open.length === 0) {
    return {
      text: 'No open incidents.',
      blocks: [section('No open incidents. `/ssec declare <bucket>` opens one by hand.')],
    };
  }
  return {
    text: `${open.length} open incident(s)`,
    blocks: [
      section(
        `*Open incidents (${open.length})*\n${joinWithMore(open.map(line), LIMITS.sectionText - 40, '\n')}`,
      ),
    ],
  };
}

/** The control panel without its buttons (they live on the thread's root message), plus a link to it. */
export function statusMessage(l: Listed, now: Date): Message {
  const panel = controlPanel({ ...l.view, steps: [] }, now);
  const link = l.permalink
    ? `<${l.permalink}|Open the incident thread>`
    : 'The incident has no Slack thread yet.';
  return { text: panel.text, blocks: capBlocks([...panel.blocks, context([link])]) };
}

export function homeView(open: Listed[], closed: Listed[], now: Date): { type: 'home'; blocks: Block[] } {
  const blocks: Block[] = [
    header('S3 SSE-C incident response'),
    section(`*Open incidents (${open.length})*`),
  ];
  if (open.length === 0)
    blocks.push(context(['Nothing open. `/ssec declare <bucket>` opens an incident by hand.']));
  // Each open incident gets its own section, so a long list still stays inside the 100-block Home budget.
  const openBudget = LIMITS.blocksPerView - 10;
  for (const l of open.slice(0, openBudget)) blocks.push(section(line(l)));
  if (open.length > openBudget)
    blocks.push(context([`…and ${open.length - openBudget} more: \`/ssec list\``]));
  blocks.push(divider(), section('*Recently closed*'));
  if (closed.length === 0) blocks.push(context(['None yet.']));
  else {
    const lines = closed.map((l) => {
      const c = l.view.closure;
      const when = c ? ` ${slackDate(new Date(c.at), '{date_short}')}` : '';
      return `${PHASE_EMOJI[l.view.phase]} *${linked(l)}* · ${PHASE_NAMES[l.view.phase]}${when} · ${escapeMrkdwn(truncate(l.view.title, 100))}`;
    });
    blocks.push(section(joinWithMore(lines, LIMITS.sectionText - 20, '\n')));
  }
  blocks.push(context([`Updated ${slackDate(now)} · \`/ssec help\` lists the commands`]));
  return { type: 'home', blocks: capBlocks(blocks, LIMITS.blocksPerView) };
}
