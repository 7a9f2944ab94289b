// The one message a long step keeps editing while it runs, instead of posting a reply per batch.

import type { Step } from '../../../workflows/types.ts';
import { escapeMrkdwn, joinWithMore, truncate } from '../limits.ts';
import { type Block, context, type Message, section } from './kit.ts';
import { STEP_TITLES } from './labels.ts';

export type ProgressState = 'running' | 'succeeded' | 'failed';

export interface ProgressInput {
  ref: string;
  step: Step;
  state: ProgressState;
  attempt: number | null;
  /** Latest numbers the effect reported (`done`, `total`, any named counters) and an optional message. */
  progress: Record<string, unknown>;
  startedAt: Date;
  now: Date;
}

const fmt = (v: number) => v.toLocaleString('en-US');

function elapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

function bar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * 20);
  return `\`${'█'.repeat(filled)}${'░'.repeat(20 - filled)}\``;
}

export function progressMessage(p: ProgressInput): Message {
  const done = typeof p.progress.done === 'number' ? p.progress.done : null;
  const total = typeof p.progress.total === 'number' && p.progress.total > 0 ? p.progress.total : null;
  const ms = p.now.getTime() - p.startedAt.getTime();
  const icon = p.state === 'running' ? ':gear:' : p.state === 'succeeded' ? ':white_check_mark:' : ':x:';
  const verb = p.state === 'running' ? 'running' : p.state === 'succeeded' ? 'finished' : 'stopped';
  const attempt = p.attempt && p.attempt > 1 ? ` (attempt ${p.attempt})` : '';
  const lines = [`${icon} *${STEP_TITLES[p.step]} ${verb}*${attempt} — ${elapsed(ms)}`];
  if (done !== null) {
    const rate = ms > 0 ? (done / ms) * 1000 : 0;
    const pct = total ? ` of ${fmt(total)} (${Math.floor((done / total) * 100)}%)` : '';
    const left =
      total && rate > 0 && p.state === 'running' ? ` · ~${elapsed(((total - done) / rate) * 1000)} left` : '';
    lines.push(
      `${total ? `${bar(done / total)} ` : ''}${fmt(done)}${pct} · ${fmt(Math.round(rate))}/s${left}`,
    );
  }
  const counters = Object.entries(p.progress)
    .filter(([k, v]) => k !== 'done' && k !== 'total' && typeof v === 'number')
    .map(([k, v]) => `${escapeMrkdwn(k)}: ${fmt(v as number)}`);
  const blocks: Block[] = [section(lines.join('\n'))];
  if (counters.length > 0) blocks.push(context([joinWithMore(counters, 1500, ' · ')]));
  if (typeof p.progress.message === 'string' && p.progress.message.trim() !== '') {
    blocks.push(context([escapeMrkdwn(truncate(p.progress.message, 500))]));
  }
  return { text: `${p.ref}: ${STEP_TITLES[p.step]} ${verb}`, blocks };
}
