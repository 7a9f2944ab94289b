import type { NextStep } from '../../workflows/types.ts';
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
        if (e?.type !== 'button' || typeof e.action_id !== 'string') continue;
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
export function nextAutopilotButton(
  buttons: Button[],
  alreadyPressed: Set<string>,
  offered: readonly NextStep[],
): Button | undefined {
  // Older replies keep their buttons; only what the workflow offers now is worth a click.
  const fresh = buttons.filter(
    (b) => !alreadyPressed.has(`${b.ts}:${b.actionId}`) && isOffered(b.action, offered),
  );
  for (const wanted of PREFERENCE) {
    const found = fresh.find((b) => wanted(b.action));
    if (found) return found;
  }
  return undefined;
}

/** The buttons a person could usefully press now: offered by the workflow, one per action. */
export function offeredButtons(buttons: Button[], offered: readonly NextStep[]): Button[] {
  const seen = new Set<string>();
  return buttons.filter((b) => {
    const id = JSON.stringify(b.action);
    if (seen.has(id) || !isOffered(b.action, offered)) return false;
    seen.add(id);
    return true;
  });
}

function isOffered(a: ButtonAction, offered: readonly NextStep[]): boolean {
  return offered.some((n) => {
    switch (a.kind) {
      case 'approve':
      case 'reject':
        return n.action === 'decide' && n.approvalId === a.approvalId;
      case 'dry-run':
        return n.action === 'dry-run' && n.step === a.step;
      case 'assess':
        return n.action === 'assess';
      case 'request':
        return n.action === 'request' && n.step === a.step;
      case 'retry':
        return n.action === 'retry' && n.step === a.step;
      case 'close':
        return n.action === 'close' && !n.reasonRequired;
      default:
        return false;
    }
  });
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
