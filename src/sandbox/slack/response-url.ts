// Response URLs the stand-in hands out with slash commands and interactions. A post to one is shown
// the way Slack shows it: ephemeral to the user by default, in the channel with
// `response_type: in_channel`, or in place of the original with `replace_original` /
// `delete_original`. "You can use a response_url to respond up to 5 times within 30 minutes."
// https://docs.slack.dev/interactivity/handling-user-interaction#message_responses

import { readMessageContent } from './message-content.ts';
import { type Args, optBool, optString, SlackMethodError } from './method-support.ts';
import type { StoredMessage } from './types.ts';
import type { ResponseUrlState, Workspace } from './workspace.ts';

export const RESPONSE_URL_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

export interface ResponseUrlAnswer {
  status: number;
  body: Record<string, unknown>;
}

const refuse = (status: number, error: string): ResponseUrlAnswer => ({ status, body: { ok: false, error } });

export function postToResponseUrl(ws: Workspace, id: string, args: Args, now: number): ResponseUrlAnswer {
  const state = ws.responseUrls.get(id);
  if (!state) return refuse(404, 'no_such_url');
  if (now - state.createdAt > RESPONSE_URL_TTL_MS) return refuse(404, 'expired_url');
  if (state.uses >= RESPONSE_URL_USES) return refuse(404, 'used_url');
  state.uses += 1;
  try {
    if (optBool(args, 'delete_original')) deleteOriginal(ws, state);
    else if (optBool(args, 'replace_original')) replaceOriginal(ws, state, args, now);
    else postNew(ws, state, args, now);
    return { status: 200, body: { ok: true } };
  } catch (err) {
    if (err instanceof SlackMethodError) return refuse(400, err.code);
    throw err;
  }
}

/** The interaction's own message; for a slash command (no message), this URL's previous response. */
function original(state: ResponseUrlState): { ts: string; ephemeral: boolean } | undefined {
  const { messageTs, ephemeral } = state.ctx;
  if (messageTs) return { ts: messageTs, ephemeral: ephemeral ?? false };
  return state.lastPosted;
}

function deleteOriginal(ws: Workspace, state: ResponseUrlState): void {
  const target = original(state);
  if (!target) throw new SlackMethodError('message_not_found');
  if (target.ephemeral) {
    for (const e of ws.ephemerals) if (e.ts === target.ts && e.user === state.ctx.user) e.replaced = true;
    return;
  }
  const channel = ws.channels.get(state.ctx.channel);
  const msg = channel?.messages.find((m) => m.ts === target.ts);
  if (!channel || !msg) throw new SlackMethodError('message_not_found');
  channel.messages.splice(channel.messages.indexOf(msg), 1);
}

function replaceOriginal(ws: Workspace, state: ResponseUrlState, args: Args, now: number): void {
  const content = readMessageContent(args, { required: true });
  const target = original(state);
  if (!target) {
    postNew(ws, state, args, now);
    return;
  }
  if (target.ephemeral) {
    const e = ws.ephemerals.find((x) => x.ts === target.ts && x.user === state.ctx.user && !x.replaced);
    if (!e) throw new SlackMethodError('message_not_found');
    e.text = content.text ?? '';
    if (content.blocks) e.blocks = content.blocks;
    else delete e.blocks;
    return;
  }
  const msg = ws.message(state.ctx.channel, target.ts);
  if (!msg) throw new SlackMethodError('message_not_found');
  // A replacement is a new message body: blocks not sent are gone, unlike chat.update.
  msg.text = content.text ?? '';
  if (content.blocks) msg.blocks = content.blocks;
  else delete msg.blocks;
  msg.edited = { user: ws.bot.userId, ts: ws.nextTs(now) };
  msg.via = 'response_url';
}

function postNew(ws: Workspace, state: ResponseUrlState, args: Args, now: number): void {
  const content = readMessageContent(args, { required: true });
  const { ctx } = state;
  const threadTs = optString(args, 'thread_ts') ?? ctx.threadTs;
  const ts = ws.nextTs(now);
  if (optString(args, 'response_type') === 'in_channel') {
    const channel = ws.resolveChannel(ctx.channel, { create: true });
    const msg: StoredMessage = {
      type: 'message',
      channel: channel.info.id,
      ts,
      user: ws.bot.userId,
      bot_id: ws.bot.botId,
      app_id: ws.bot.appId,
      text: content.text ?? '',
      team: ws.team.id,
      via: 'response_url',
    };
    if (content.blocks) msg.blocks = content.blocks;
    if (threadTs) msg.thread_ts = ws.threadRoot(channel, threadTs);
    channel.messages.push(msg);
    state.lastPosted = { ts, ephemeral: false };
    return;
  }
  ws.ephemerals.push({
    channel: ctx.channel,
    user: ctx.user,
    ts,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    text: content.text ?? '',
    ...(content.blocks ? { blocks: content.blocks } : {}),
    source: 'response_url',
    replaced: false,
  });
  state.lastPosted = { ts, ephemeral: true };
}

/**
 * A slash command answered with a body in its HTTP 200: Slack shows it like a first post to the
 * command's response URL (ephemeral unless `response_type: in_channel`).
 */
export function showCommandAck(ws: Workspace, state: ResponseUrlState, args: Args, now: number): void {
  postNew(ws, state, args, now);
  const posted = state.lastPosted;
  if (!posted?.ephemeral) return;
  const e = ws.ephemerals.find((x) => x.ts === posted.ts);
  if (e) e.source = 'command_ack';
}
