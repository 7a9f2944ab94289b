// Marks on messages: pins and emoji reactions (pins.add, reactions.add), with Slack's refusals
// for a missing item, an unknown message, and doing the same thing twice.

import {
  type MethodContext,
  type MethodHandler,
  type MethodResult,
  optString,
  reqString,
  SlackMethodError,
} from './method-support.ts';
import type { StoredMessage } from './types.ts';

function target({ ws, args }: MethodContext): { channel: string; msg: StoredMessage } {
  const channelRef = reqString(args, 'channel');
  const ts = optString(args, 'timestamp');
  if (!ts) throw new SlackMethodError('no_item_specified');
  const state = ws.resolveChannel(channelRef, { create: false });
  const msg = state.messages.find((m) => m.ts === ts);
  if (!msg) throw new SlackMethodError('message_not_found');
  return { channel: state.info.id, msg };
}

function pinsAdd(ctx: MethodContext): MethodResult {
  const { channel, msg } = target(ctx);
  if (msg.pinned_to?.includes(channel)) throw new SlackMethodError('already_pinned');
  msg.pinned_to = [...(msg.pinned_to ?? []), channel];
  return {};
}

function reactionsAdd(ctx: MethodContext): MethodResult {
  const name = reqString(ctx.args, 'name').replace(/^:|:$/g, '');
  const { msg } = target(ctx);
  const me = ctx.ws.bot.userId;
  const reactions = msg.reactions ?? [];
  const existing = reactions.find((r) => r.name === name);
  if (existing?.users.includes(me)) throw new SlackMethodError('already_reacted');
  if (existing) {
    existing.users.push(me);
    existing.count += 1;
  } else {
    reactions.push({ name, users: [me], count: 1 });
  }
  msg.reactions = reactions;
  return {};
}

export const itemMethods: Record<string, MethodHandler> = {
  'pins.add': pinsAdd,
  'reactions.add': reactionsAdd,
};
