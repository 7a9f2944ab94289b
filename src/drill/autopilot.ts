import type { SlackDriver, SlackStandIn, StoredMessage } from '../sandbox/slack/index.ts';
import { type ButtonAction, decodeAction } from '../slack/action-values.ts';

export interface DrillResponders {
  /** Asks for steps (requests, retries, close). */
  requester: string;
  /** Approves what the requester asked for: the two-person rule needs a second person. */
  approver: string;
}

export interface Button {
  channel: string;
  ts: string;
  actionId: string;
  label: string;
  action: ButtonAction;
}

/** Every button of the bot's in the incident thread, newest message first. */
export function threadButtons(standIn: SlackStandIn, channel: string, threadTs: string): Button[] {
  const out: Button[] = [];
  const messages: StoredMessage[] = [...standIn.thread(channel, threadTs)].reverse();
  for (const m of messages) {
    for (const block of (m.blocks ?? []) as Record<string, unknown>[]) {
      const elements = [block.accessory, ...(Array.isArray(block.elements) ? block.elements : [])];
      for (const e of elements as (Record<string, unknown> | undefined)[]) {
        if (!e || e.type !== 'button' || typeof e.action_id !== 'string') continue;
        const action = decodeAction(e.value);
        if (!action) continue;
        const text = (e.text as { text?: string } | undefined)?.text ?? e.action_id;
        out.push({ channel, ts: m.ts, actionId: e.action_id, label: text, action });
      }
    }
  }
  return out;
}

/** Who presses a button in the drill: approvals are the second responder's, the rest the first's. */
export function presser(button: Button, responders: DrillResponders): string {
  return button.action.kind === 'approve' || button.action.kind === 'reject'
    ? responders.approver
    : responders.requester;
}

const PREFERENCE: ((a: ButtonAction) => boolean)[] = [
  (a) => a.kind === 'approve',
  (a) => a.kind === 'retry',
  (a) => a.kind === 'request' && a.step === 'contain',
  (a) => a.kind === 'request' && a.step === 'recover' && a.strategy === 'versions',
  (a) => a.kind === 'close',
];

/**
 * The decision a calm responder would take next, from the buttons on offer: approve what waits,
 * retry what failed, contain, recover from versions, close once verified. Never reject or roll back.
 */
export function nextAutopilotButton(buttons: Button[], alreadyPressed: Set<string>): Button | undefined {
  const fresh = buttons.filter((b) => !alreadyPressed.has(`${b.ts}:${b.actionId}`));
  for (const wanted of PREFERENCE) {
    const found = fresh.find((b) => wanted(b.action));
    if (found) return found;
  }
  return undefined;
}

export async function press(driver: SlackDriver, button: Button, userId: string): Promise<number> {
  const res = await driver.clickButton({
    userId,
    channel: button.channel,
    ts: button.ts,
    actionId: button.actionId,
  });
  return res.status;
}
