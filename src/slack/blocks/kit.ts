// Small Block Kit constructors that apply Slack's size limits at the point of construction, so no
// caller can build a block Slack would refuse.

import { capList, LIMITS, truncate } from '../limits.ts';

export type Block = { type: string; block_id?: string } & Record<string, unknown>;
export type TextObject = { type: 'plain_text' | 'mrkdwn'; text: string; emoji?: boolean };

export interface Message {
  /** Notification and accessibility fallback; Slack shows blocks when present. */
  text: string;
  blocks: Block[];
}

export const plain = (text: string, max: number = LIMITS.sectionText): TextObject => ({
  type: 'plain_text',
  text: truncate(text.trim() === '' ? '-' : text, max),
  emoji: true,
});

export const mrkdwn = (text: string, max: number = LIMITS.sectionText): TextObject => ({
  type: 'mrkdwn',
  text: truncate(text.trim() === '' ? '-' : text, max),
});

export function header(text: string): Block {
  return { type: 'header', text: plain(text, LIMITS.headerText) };
}

export function section(text: string, extra: { blockId?: string; accessory?: Block } = {}): Block {
  return {
    type: 'section',
    ...(extra.blockId ? { block_id: extra.blockId } : {}),
    text: mrkdwn(text),
    ...(extra.accessory ? { accessory: extra.accessory } : {}),
  };
}

/** A two-column section; more than ten fields fold into the last one. */
export function fields(items: string[]): Block {
  const capped = capList(items, LIMITS.sectionFields, (n) => `…and ${n} more`);
  return { type: 'section', fields: capped.map((t) => mrkdwn(t, LIMITS.fieldText)) };
}

export function context(texts: string[]): Block {
  const capped = capList(texts, LIMITS.contextElements, (n) => `…and ${n} more`);
  return { type: 'context', elements: capped.map((t) => mrkdwn(t)) };
}

export const divider = (): Block => ({ type: 'divider' });

export interface Confirm {
  title: string;
  text: string;
  confirm: string;
  deny?: string;
  danger?: boolean;
}

export interface ButtonInput {
  text: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: Confirm;
}

export function button(b: ButtonInput): Block {
  if (b.value.length > LIMITS.buttonValue)
    throw new Error(`button value over ${LIMITS.buttonValue} characters`);
  return {
    type: 'button',
    action_id: b.actionId,
    text: plain(b.text, LIMITS.buttonText),
    value: b.value,
    ...(b.style ? { style: b.style } : {}),
    ...(b.confirm
      ? {
          confirm: {
            title: plain(b.confirm.title, LIMITS.confirmTitle),
            text: mrkdwn(b.confirm.text, LIMITS.confirmText),
            confirm: plain(b.confirm.confirm, LIMITS.confirmButton),
            deny: plain(b.confirm.deny ?? 'Cancel', LIMITS.confirmButton),
            ...(b.confirm.danger ? { style: 'danger' } : {}),
          },
        }
      : {}),
  };
}

/** Buttons in rows of at most 25 (Slack's limit per actions block). */
export function actionRows(blockIdPrefix: string, buttons: Block[]): Block[] {
  const rows: Block[] = [];
  for (let i = 0; i < buttons.length; i += LIMITS.actionsElements) {
    rows.push({
      type: 'actions',
      block_id: `${blockIdPrefix}-${rows.length}`,
      elements: buttons.slice(i, i + LIMITS.actionsElements),
    });
  }
  return rows;
}

/**
 * Keeps a message within 50 blocks: when there are more, the tail is replaced by one section that
 * says how many were left out. Actions blocks (the buttons) survive the cut.
 */
export function capBlocks(blocks: Block[], max: number = LIMITS.blocksPerMessage): Block[] {
  if (blocks.length <= max) return blocks;
  const keepTail = blocks.filter((b) => b.type === 'actions');
  const budget = max - keepTail.length - 1;
  const body = blocks.filter((b) => b.type !== 'actions');
  const kept = body.slice(0, Math.max(0, budget));
  const dropped = body.length - kept.length;
  return [...kept, section(`_…and ${dropped} more not shown._`), ...keepTail].slice(0, max);
}

/** Slack renders `<!date^…>` in each reader's own time zone; the fallback is UTC. */
export function slackDate(d: Date, format = '{date_short_pretty} {time}'): string {
  const fallback = `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(d.getTime() / 1000)}^${format}|${fallback}>`;
}

export const mention = (userId: string): string =>
  /^S/.test(userId) ? `<!subteam^${userId}>` : `<@${userId}>`;
