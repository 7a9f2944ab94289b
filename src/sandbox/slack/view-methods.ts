// views.* methods: modals opened with a trigger id, pushed, updated, and each user's Home tab.
// https://docs.slack.dev/reference/methods/views.open (and .push, .update, .publish)

import { randomBytes } from 'node:crypto';
import { validateView } from './block-rules.ts';
import { withBlockIds } from './message-content.ts';
import {
  type MethodContext,
  type MethodHandler,
  type MethodResult,
  missing,
  optJson,
  optString,
  reqString,
  SlackMethodError,
} from './method-support.ts';
import type { Block, StoredView, TextObject } from './types.ts';
import type { Workspace } from './workspace.ts';

// A modal stack holds at most three views. https://docs.slack.dev/surfaces/modals
const MAX_STACK = 3;

type RawView = Record<string, unknown>;

function readView(args: Record<string, unknown>, expected: 'modal' | 'home'): RawView {
  const view = optJson(args, 'view');
  if (view === undefined) throw missing('view');
  const problems = validateView(view, expected);
  if (problems.length > 0) {
    throw new SlackMethodError(
      'invalid_arguments',
      problems.map((p) => `[ERROR] ${p}`),
    );
  }
  return view as RawView;
}

function newHash(now: number): string {
  return `${Math.floor(now / 1000)}.${randomBytes(4).toString('hex')}`;
}

export function applyContent(v: StoredView, raw: RawView, now: number): void {
  v.blocks = withBlockIds(raw.blocks as Block[]);
  v.private_metadata = typeof raw.private_metadata === 'string' ? raw.private_metadata : '';
  v.callback_id = typeof raw.callback_id === 'string' ? raw.callback_id : '';
  v.external_id = typeof raw.external_id === 'string' ? raw.external_id : '';
  v.clear_on_close = raw.clear_on_close === true;
  v.notify_on_close = raw.notify_on_close === true;
  if (raw.title) v.title = raw.title as TextObject;
  if (raw.submit) v.submit = raw.submit as TextObject;
  else delete v.submit;
  if (raw.close) v.close = raw.close as TextObject;
  else delete v.close;
  v.hash = newHash(now);
}

export function createView(ws: Workspace, raw: RawView, user: string, now: number): StoredView {
  const externalId = typeof raw.external_id === 'string' ? raw.external_id : '';
  if (externalId !== '' && [...ws.views.values()].some((v) => v.external_id === externalId)) {
    throw new SlackMethodError('duplicate_external_id');
  }
  const id = ws.nextId('V');
  const view: StoredView = {
    id,
    team_id: ws.team.id,
    type: raw.type as 'modal' | 'home',
    user,
    blocks: [],
    private_metadata: '',
    callback_id: '',
    external_id: '',
    state: { values: {} },
    hash: '',
    clear_on_close: false,
    notify_on_close: false,
    root_view_id: id,
    previous_view_id: null,
    app_id: ws.bot.appId,
    bot_id: ws.bot.botId,
    app_installed_team_id: ws.team.id,
    open: true,
  };
  applyContent(view, raw, now);
  ws.views.set(id, view);
  return view;
}

/** The view object as Slack returns it (without the stand-in's bookkeeping). */
export function presentView(v: StoredView): Record<string, unknown> {
  const { user: _user, open: _open, ...rest } = v;
  return rest;
}

function open({ ws, args, now }: MethodContext): MethodResult {
  const triggerId = reqString(args, 'trigger_id');
  const raw = readView(args, 'modal');
  const trigger = ws.consumeTrigger(triggerId, now);
  return { view: presentView(createView(ws, raw, trigger.user, now)) };
}

function topOfStack(ws: Workspace, user: string): StoredView | undefined {
  return [...ws.views.values()].filter((v) => v.type === 'modal' && v.user === user && v.open).pop();
}

function push({ ws, args, now }: MethodContext): MethodResult {
  const triggerId = reqString(args, 'trigger_id');
  const raw = readView(args, 'modal');
  const trigger = ws.consumeTrigger(triggerId, now);
  const top = topOfStack(ws, trigger.user);
  if (!top) throw new SlackMethodError('not_found');
  const depth = [...ws.views.values()].filter((v) => v.open && v.root_view_id === top.root_view_id).length;
  if (depth >= MAX_STACK) throw new SlackMethodError('push_limit_reached');
  const view = createView(ws, raw, trigger.user, now);
  view.root_view_id = top.root_view_id;
  view.previous_view_id = top.id;
  return { view: presentView(view) };
}

function update({ ws, args, now }: MethodContext): MethodResult {
  const viewId = optString(args, 'view_id');
  const externalId = optString(args, 'external_id');
  if (!viewId && !externalId) throw missing('view_id');
  const raw = readView(args, 'modal');
  const target = viewId
    ? ws.views.get(viewId)
    : [...ws.views.values()].find((v) => v.external_id === externalId);
  if (!target?.open) throw new SlackMethodError('not_found');
  const hash = optString(args, 'hash');
  if (hash !== undefined && hash !== target.hash) throw new SlackMethodError('hash_conflict');
  applyContent(target, raw, now);
  return { view: presentView(target) };
}

function publish({ ws, args, now }: MethodContext): MethodResult {
  const user = reqString(args, 'user_id');
  const raw = readView(args, 'home');
  const currentId = ws.homeViews.get(user);
  const current = currentId ? ws.views.get(currentId) : undefined;
  const hash = optString(args, 'hash');
  if (current && hash !== undefined && hash !== current.hash) throw new SlackMethodError('hash_conflict');
  if (current) {
    applyContent(current, raw, now);
    return { view: presentView(current) };
  }
  const view = createView(ws, raw, user, now);
  ws.homeViews.set(user, view.id);
  return { view: presentView(view) };
}

export const viewMethods: Record<string, MethodHandler> = {
  'views.open': open,
  'views.push': push,
  'views.update': update,
  'views.publish': publish,
};
