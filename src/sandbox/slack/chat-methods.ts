// chat.* methods: posting, editing, deleting, ephemerals and permalinks, with Slack's answers
// and refusals (https://docs.slack.dev/reference/methods/chat.postMessage and siblings).

import { readMessageContent } from './message-content.ts';
import {
  type MethodContext,
  type MethodHandler,
  type MethodResult,
  optBool,
  optJson,
  optString,
  reqString,
  SlackMethodError,
} from './method-support.ts';
import type { StoredMessage } from './types.ts';
import type { ChannelState, Workspace } from './workspace.ts';

function postMessage({ ws, args, now }: MethodContext): MethodResult {
  const channelRef = reqString(args, 'channel');
  const content = readMessageContent(args, { required: true });
  const state = ws.resolveChannel(channelRef, { create: true });
  const requestedThread = optString(args, 'thread_ts');
  const threadTs = requestedThread ? ws.threadRoot(state, requestedThread) : undefined;
  const msg: StoredMessage = {
    type: 'message',
    channel: state.info.id,
    ts: ws.nextTs(now),
    user: ws.bot.userId,
    bot_id: ws.bot.botId,
    app_id: ws.bot.appId,
    text: content.text ?? '',
    team: ws.team.id,
    via: 'api',
  };
  if (content.blocks) msg.blocks = content.blocks;
  if (content.attachments) msg.attachments = content.attachments;
  if (threadTs) {
    msg.thread_ts = threadTs;
    const parent = state.messages.find((m) => m.ts === threadTs);
    if (parent) msg.parent_user_id = parent.user;
    if (optBool(args, 'reply_broadcast')) msg.reply_broadcast = true;
  }
  const metadata = optJson(args, 'metadata');
  if (metadata !== undefined) msg.metadata = metadata;
  state.messages.push(msg);
  return { channel: state.info.id, ts: msg.ts, message: ws.present(msg) };
}

function ownMessage(ws: Workspace, state: ChannelState, ts: string, refusal: string): StoredMessage {
  const msg = state.messages.find((m) => m.ts === ts);
  if (!msg) throw new SlackMethodError('message_not_found');
  // Apps may only change what they posted. https://docs.slack.dev/messaging/modifying-messages
  if (msg.user !== ws.bot.userId) throw new SlackMethodError(refusal);
  return msg;
}

function update({ ws, args, now }: MethodContext): MethodResult {
  const channelRef = reqString(args, 'channel');
  const ts = reqString(args, 'ts');
  const content = readMessageContent(args, { required: true });
  const state = ws.resolveChannel(channelRef, { create: false });
  const msg = ownMessage(ws, state, ts, 'cant_update_message');
  if (content.text !== undefined) msg.text = content.text;
  // "If you don't include this field, the message's previous blocks will be retained." (chat.update)
  if (content.blocks !== undefined) msg.blocks = content.blocks;
  if (content.attachments !== undefined) msg.attachments = content.attachments;
  msg.edited = { user: ws.bot.userId, ts: ws.nextTs(now) };
  return { channel: state.info.id, ts, text: msg.text, message: ws.present(msg) };
}

function postEphemeral({ ws, args, now }: MethodContext): MethodResult {
  const channelRef = reqString(args, 'channel');
  const user = reqString(args, 'user');
  const content = readMessageContent(args, { required: true });
  const state = ws.resolveChannel(channelRef, { create: true });
  const ts = ws.nextTs(now);
  const requestedThread = optString(args, 'thread_ts');
  ws.ephemerals.push({
    channel: state.info.id,
    user,
    ts,
    ...(requestedThread ? { thread_ts: ws.threadRoot(state, requestedThread) } : {}),
    text: content.text ?? '',
    ...(content.blocks ? { blocks: content.blocks } : {}),
    source: 'chat.postEphemeral',
    replaced: false,
  });
  return { message_ts: ts };
}

function getPermalink({ ws, args }: MethodContext): MethodResult {
  const channelRef = reqString(args, 'channel');
  const ts = reqString(args, 'message_ts');
  const state = ws.resolveChannel(channelRef, { create: false });
  const msg = state.messages.find((m) => m.ts === ts);
  if (!msg) throw new SlackMethodError('message_not_found');
  const base = `https://${ws.team.domain}.slack.com/archives/${state.info.id}/p${ts.replace('.', '')}`;
  const inThread = msg.thread_ts !== undefined && msg.thread_ts !== msg.ts;
  const permalink = inThread ? `${base}?thread_ts=${msg.thread_ts}&cid=${state.info.id}` : base;
  return { channel: state.info.id, permalink };
}

function del({ ws, args }: MethodContext): MethodResult {
  const channelRef = reqString(args, 'channel');
  const ts = reqString(args, 'ts');
  const state = ws.resolveChannel(channelRef, { create: false });
  const msg = ownMessage(ws, state, ts, 'cant_delete_message');
  const hasReplies = state.messages.some((m) => m.thread_ts === ts && m.ts !== ts);
  if (hasReplies) {
    // A deleted parent stays as a tombstone so its thread remains reachable, as in Slack.
    msg.subtype = 'tombstone';
    msg.text = 'This message was deleted.';
    delete msg.blocks;
    delete msg.attachments;
    delete msg.files;
  } else {
    state.messages.splice(state.messages.indexOf(msg), 1);
  }
  return { channel: state.info.id, ts };
}

export const chatMethods: Record<string, MethodHandler> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
  'chat.delete': del,
};
