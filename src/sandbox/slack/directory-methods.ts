// Read-only methods: who the app is (auth.test), people and user groups, and conversations with
// their history and threads, paginated with Slack's opaque cursors.

import {
  type MethodContext,
  type MethodHandler,
  type MethodResult,
  optBool,
  optInt,
  optString,
  reqString,
  SlackMethodError,
} from './method-support.ts';
import type { StoredMessage } from './types.ts';

function authTest({ ws }: MethodContext): MethodResult {
  return {
    url: `https://${ws.team.domain}.slack.com/`,
    team: ws.team.name,
    user: ws.bot.name,
    team_id: ws.team.id,
    user_id: ws.bot.userId,
    bot_id: ws.bot.botId,
    app_id: ws.bot.appId,
    is_enterprise_install: false,
  };
}

function usersInfo({ ws, args }: MethodContext): MethodResult {
  const id = reqString(args, 'user');
  const u = ws.users.get(id);
  if (!u) throw new SlackMethodError('user_not_found');
  const realName = u.realName ?? u.name;
  return {
    user: {
      id: u.id,
      team_id: ws.team.id,
      name: u.name,
      deleted: u.deleted ?? false,
      real_name: realName,
      tz: u.tz ?? 'Etc/UTC',
      tz_label: 'Coordinated Universal Time',
      tz_offset: 0,
      is_admin: u.isAdmin ?? false,
      is_owner: false,
      is_bot: u.isBot ?? false,
      is_app_user: false,
      updated: 0,
      profile: {
        real_name: realName,
        display_name: u.name,
        ...(u.email ? { email: u.email } : {}),
        team: ws.team.id,
      },
    },
  };
}

function usergroupUsers({ ws, args }: MethodContext): MethodResult {
  const id = reqString(args, 'usergroup');
  const members = ws.usergroups.get(id);
  if (!members) throw new SlackMethodError('no_such_subteam');
  return { users: [...members] };
}

function conversationsInfo({ ws, args }: MethodContext): MethodResult {
  const state = ws.resolveChannel(reqString(args, 'channel'), { create: false });
  return { channel: { ...state.info } };
}

const encodeCursor = (offset: number) => Buffer.from(`next_offset:${offset}`).toString('base64');

function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  const m = /^next_offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!m?.[1]) throw new SlackMethodError('invalid_cursor');
  return Number(m[1]);
}

/** One page of an already ordered list, in Slack's paginated answer shape. */
function page(items: StoredMessage[], args: Record<string, unknown>, present: (m: StoredMessage) => unknown) {
  // Both methods document a default and maximum limit of 1000 (conversations.history / .replies).
  const limit = Math.min(Math.max(optInt(args, 'limit', 1000), 1), 1000);
  const offset = decodeCursor(optString(args, 'cursor'));
  const slice = items.slice(offset, offset + limit);
  const hasMore = offset + limit < items.length;
  return {
    messages: slice.map(present),
    has_more: hasMore,
    response_metadata: { next_cursor: hasMore ? encodeCursor(offset + limit) : '' },
  };
}

function inWindow(m: StoredMessage, args: Record<string, unknown>): boolean {
  const oldest = optString(args, 'oldest');
  const latest = optString(args, 'latest');
  const inclusive = optBool(args, 'inclusive');
  const ts = Number(m.ts);
  if (oldest !== undefined && (inclusive ? ts < Number(oldest) : ts <= Number(oldest))) return false;
  if (latest !== undefined && (inclusive ? ts > Number(latest) : ts >= Number(latest))) return false;
  return true;
}

function history({ ws, args }: MethodContext): MethodResult {
  const state = ws.resolveChannel(reqString(args, 'channel'), { create: false });
  const visible = ws
    .topLevel(state.info.id)
    .filter((m) => inWindow(m, args))
    .reverse();
  const pinCount = state.messages.filter((m) => m.pinned_to?.includes(state.info.id)).length;
  return { ...page(visible, args, (m) => ws.present(m)), pin_count: pinCount };
}

function replies({ ws, args }: MethodContext): MethodResult {
  const state = ws.resolveChannel(reqString(args, 'channel'), { create: false });
  const ts = reqString(args, 'ts');
  const root = ws.threadRoot(state, ts);
  const thread = ws.thread(state.info.id, root);
  if (thread.length === 0) throw new SlackMethodError('thread_not_found');
  return page(
    thread.filter((m) => m.ts === root || inWindow(m, args)),
    args,
    (m) => ws.present(m),
  );
}

export const directoryMethods: Record<string, MethodHandler> = {
  'auth.test': authTest,
  'users.info': usersInfo,
  'usergroups.users.list': usergroupUsers,
  'conversations.info': conversationsInfo,
  'conversations.history': history,
  'conversations.replies': replies,
};
