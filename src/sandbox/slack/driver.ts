// Plays Slack's side towards the bot: signed slash commands, button clicks, modal submissions and
// Events API callbacks sent over real HTTP to the bot's request URL, in the shapes Bolt's
// HTTPReceiver expects (exact `application/x-www-form-urlencoded` for commands and interactions,
// JSON for events). Response URLs and trigger ids come from the stand-in, so whatever the bot does
// with them lands where tests can read it.

import { performance } from 'node:perf_hooks';
import { type FoundElement, findElement } from './find-element.ts';
import {
  type Actor,
  type AppContext,
  blockActionsPayload,
  eventCallback,
  interactionBody,
  slashCommandBody,
  stateValues,
  viewSubmissionPayload,
} from './payloads.ts';
import { signedHeaders } from './signing.ts';
import type { SlackStandIn } from './stand-in.ts';
import type { StoredMessage, StoredView } from './types.ts';
import type { ViewAckOutcome } from './view-ack.ts';
import { presentView } from './view-methods.ts';

export interface SlackDriverOptions {
  /** The bot's request URL, e.g. `http://127.0.0.1:3000/slack/events`. */
  botUrl: string;
  signingSecret: string;
  /** Supplies response URLs, trigger ids, users and the messages `clickButton` clicks. */
  standIn?: SlackStandIn;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  /** Channel used when a call names none. */
  defaultChannelId?: string;
  /** Clock for the signature timestamp (ms); tests move it to send stale requests. */
  now?: () => number;
}

export interface DriverResponse {
  status: number;
  body: string;
  /** The body parsed as JSON when it is JSON, else undefined. */
  json: unknown;
  headers: Record<string, string>;
  /** Time from sending the request to the end of the answer. */
  ms: number;
}

export interface SlashCommandInput {
  userId: string;
  text?: string;
  command?: string;
  channelId?: string;
  channelName?: string;
  userName?: string;
}

export interface BlockActionInput {
  userId: string;
  actionId: string;
  value?: string;
  blockId?: string;
  /** Element type; `button` unless given. */
  type?: string;
  /** Extra action fields, e.g. `selected_option` for a select menu. */
  action?: Record<string, unknown>;
  channelId?: string;
  /** The message clicked on (as stored by the stand-in, or its ts in `channelId`). */
  message?: StoredMessage;
  messageTs?: string;
  /** Thread of the clicked message, when not taken from the stored message. */
  threadTs?: string;
  /** The click was on an ephemeral message (Slack then sends no `message`). */
  ephemeral?: boolean;
  /** The click was in a modal or the Home tab. */
  view?: StoredView;
}

export interface ClickButtonInput {
  userId: string;
  channel: string;
  ts: string;
  actionId: string;
  /** Disambiguates when the same action_id appears more than once. */
  blockId?: string;
  value?: string;
}

export interface ClickViewButtonInput {
  userId: string;
  /** Defaults to the user's Home tab. */
  viewId?: string;
  actionId: string;
  blockId?: string;
}

export interface ViewSubmissionInput {
  userId: string;
  /** Which open modal: by id, or the user's latest open one with this callback_id. */
  viewId?: string;
  callbackId?: string;
  /** `{ blockId: { actionId: value } }`; strings/lists are shaped per element type (see stateEntry). */
  values?: Record<string, Record<string, unknown>>;
  /** Overrides the stored private_metadata (e.g. to test tampering). */
  privateMetadata?: string;
}

export interface SlackDriver {
  slashCommand(
    input: SlashCommandInput,
  ): Promise<DriverResponse & { responseUrl: string; triggerId: string }>;
  blockAction(input: BlockActionInput): Promise<DriverResponse & { payload: Record<string, unknown> }>;
  clickButton(input: ClickButtonInput): Promise<DriverResponse & { payload: Record<string, unknown> }>;
  clickViewButton(
    input: ClickViewButtonInput,
  ): Promise<DriverResponse & { payload: Record<string, unknown> }>;
  viewSubmission(
    input: ViewSubmissionInput,
  ): Promise<DriverResponse & { view: StoredView | undefined; outcome: ViewAckOutcome | undefined }>;
  appHomeOpened(userId: string, opts?: { tab?: 'home' | 'messages' }): Promise<DriverResponse>;
  /** Any Events API event, wrapped in an `event_callback` envelope. */
  event(event: Record<string, unknown>): Promise<DriverResponse>;
  /** Posts exactly this body and these headers (for tests of bad signatures). */
  raw(body: string, headers: Record<string, string>): Promise<DriverResponse>;
  /** Signature headers for a body, at `timestampSec` (default now). */
  sign(body: string, timestampSec?: number): Record<string, string>;
}

const FORM = 'application/x-www-form-urlencoded';

type Obj = Record<string, unknown>;

function actionTs(nowMs: number): string {
  return (nowMs / 1000).toFixed(6);
}

export function createSlackDriver(opts: SlackDriverOptions): SlackDriver {
  const standIn = opts.standIn;
  const now = opts.now ?? Date.now;
  const ctx: AppContext = {
    teamId: opts.teamId ?? standIn?.team.id ?? 'T0SANDBOX',
    teamDomain: opts.teamDomain ?? standIn?.team.domain ?? 'sandbox',
    apiAppId: opts.apiAppId ?? standIn?.bot.appId ?? 'A0SSECAPP',
    verificationToken: 'sandbox-verification-token',
  };
  const defaultChannel = opts.defaultChannelId ?? 'C0SANDBOX1';
  let eventSeq = 0;

  const sign = (body: string, timestampSec = Math.floor(now() / 1000)) =>
    signedHeaders(opts.signingSecret, body, timestampSec);

  async function post(body: string, headers: Record<string, string>): Promise<DriverResponse> {
    const started = performance.now();
    const res = await fetch(opts.botUrl, { method: 'POST', headers, body });
    const text = await res.text();
    const ms = performance.now() - started;
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: text, json: parsed, headers: Object.fromEntries(res.headers), ms };
  }

  const signedPost = (body: string, contentType: string) =>
    post(body, { 'content-type': contentType, ...sign(body) });

  function actor(userId: string, name?: string): Actor {
    standIn?.ensureUser(userId, name);
    const known = standIn?.workspace.users.get(userId);
    return { id: userId, name: name ?? known?.name ?? userId.toLowerCase() };
  }

  function channelName(id: string): string {
    return standIn?.channels().find((c) => c.id === id)?.name ?? id.toLowerCase();
  }

  const responseUrlFor = (ctxUrl: Parameters<SlackStandIn['responseUrl']>[0]) =>
    standIn ? standIn.responseUrl(ctxUrl) : `https://hooks.slack.invalid/actions/${ctx.teamId}/${now()}`;
  const triggerFor = (userId: string) => (standIn ? standIn.triggerId(userId) : `${now()}.0.sandbox`);

  async function slashCommand(input: SlashCommandInput) {
    const user = actor(input.userId, input.userName);
    const channelId = input.channelId ?? defaultChannel;
    const responseUrl = responseUrlFor({ channel: channelId, user: user.id });
    const triggerId = triggerFor(user.id);
    const body = slashCommandBody(ctx, {
      user,
      command: input.command ?? '/ssec',
      text: input.text ?? '',
      channelId,
      channelName: input.channelName ?? channelName(channelId),
      responseUrl,
      triggerId,
    });
    const res = await signedPost(body, FORM);
    if (res.status === 200) standIn?.showCommandAck(responseUrl, res.body, res.headers['content-type']);
    return { ...res, responseUrl, triggerId };
  }

  async function blockAction(input: BlockActionInput) {
    const user = actor(input.userId);
    const action: Obj = {
      type: input.type ?? 'button',
      action_id: input.actionId,
      block_id: input.blockId ?? '',
      ...(input.value !== undefined ? { value: input.value } : {}),
      action_ts: actionTs(now()),
      ...input.action,
    };
    const triggerId = triggerFor(user.id);
    if (input.view) {
      const payload = blockActionsPayload(ctx, {
        user,
        action,
        container: { type: 'view', view_id: input.view.id },
        triggerId,
        view: presentView(input.view),
      });
      return { ...(await signedPost(interactionBody(payload), FORM)), payload };
    }
    const channelId = input.message?.channel ?? input.channelId ?? defaultChannel;
    const messageTs = input.message?.ts ?? input.messageTs;
    const ephemeral = input.ephemeral ?? false;
    const stored =
      input.message ?? (messageTs && !ephemeral ? standIn?.message(channelId, messageTs) : undefined);
    const threadTs = input.threadTs ?? stored?.thread_ts;
    const container: Obj = {
      type: 'message',
      ...(messageTs ? { message_ts: messageTs } : {}),
      channel_id: channelId,
      is_ephemeral: ephemeral,
      ...(threadTs && threadTs !== messageTs ? { thread_ts: threadTs } : {}),
    };
    const responseUrl = responseUrlFor({
      channel: channelId,
      user: user.id,
      ...(messageTs ? { messageTs } : {}),
      ...(threadTs ? { threadTs } : {}),
      ephemeral,
    });
    const message = !ephemeral && stored && standIn ? standIn.workspace.present(stored) : undefined;
    const payload = blockActionsPayload(ctx, {
      user,
      action,
      container,
      triggerId,
      channel: { id: channelId, name: channelName(channelId) },
      ...(message ? { message } : {}),
      responseUrl,
    });
    return { ...(await signedPost(interactionBody(payload), FORM)), payload };
  }

  function buttonAction(found: FoundElement): Obj {
    const { block, element } = found;
    return {
      type: element.type,
      block_id: block.block_id,
      ...(element.text !== undefined ? { text: element.text } : {}),
      ...(element.value !== undefined ? { value: element.value } : {}),
      ...(element.style !== undefined ? { style: element.style } : {}),
    };
  }

  async function clickButton(input: ClickButtonInput) {
    if (!standIn) throw new Error('clickButton needs the stand-in to find the message');
    const message = standIn.message(input.channel, input.ts);
    const ephemeral = message
      ? undefined
      : standIn.ephemerals({ channel: input.channel }).find((e) => e.ts === input.ts);
    if (!message && !ephemeral) throw new Error(`no message at ${input.channel}/${input.ts}`);
    if (ephemeral && ephemeral.user !== input.userId) {
      throw new Error(`only ${ephemeral.user} can see the ephemeral message ${input.ts}`);
    }
    // A button with a `confirm` dialog is taken as confirmed: Slack sends nothing until it is.
    const found = findElement(message?.blocks ?? ephemeral?.blocks ?? [], input);
    return blockAction({
      userId: input.userId,
      actionId: input.actionId,
      blockId: String(found.block.block_id ?? ''),
      action: buttonAction(found),
      channelId: input.channel,
      messageTs: input.ts,
      ...(message ? { message } : { ephemeral: true }),
      ...(ephemeral?.thread_ts ? { threadTs: ephemeral.thread_ts } : {}),
    });
  }

  async function clickViewButton(input: ClickViewButtonInput) {
    if (!standIn) throw new Error('clickViewButton needs the stand-in to find the view');
    const view = input.viewId ? standIn.view(input.viewId) : standIn.homeView(input.userId);
    if (!view) throw new Error(`no view ${input.viewId ?? `(home of ${input.userId})`}`);
    const found = findElement(view.blocks, input);
    return blockAction({
      userId: input.userId,
      actionId: input.actionId,
      blockId: String(found.block.block_id ?? ''),
      action: buttonAction(found),
      view,
    });
  }

  function findOpenModal(input: ViewSubmissionInput): StoredView | undefined {
    if (!standIn) return undefined;
    if (input.viewId) return standIn.view(input.viewId);
    return standIn
      .views(input.userId)
      .filter((v) => v.open && (input.callbackId === undefined || v.callback_id === input.callbackId))
      .pop();
  }

  async function viewSubmission(input: ViewSubmissionInput) {
    const user = actor(input.userId);
    const stored = findOpenModal(input);
    if (stored && !stored.open) throw new Error(`view ${stored.id} is no longer open`);
    if (!stored && !input.callbackId) throw new Error('no open modal to submit; pass callbackId or viewId');
    const blocks = stored?.blocks ?? [];
    const values = stateValues(blocks, input.values ?? {});
    if (stored) stored.state = { values };
    const base: Obj = stored
      ? presentView(stored)
      : { id: 'V0SYNTHETIC', type: 'modal', callback_id: input.callbackId, blocks, private_metadata: '' };
    const view = {
      ...base,
      state: { values },
      ...(input.privateMetadata !== undefined ? { private_metadata: input.privateMetadata } : {}),
    };
    const payload = viewSubmissionPayload(ctx, { user, view, triggerId: triggerFor(user.id) });
    const res = await signedPost(interactionBody(payload), FORM);
    const outcome = stored && res.status === 200 ? standIn?.applyViewAck(stored.id, res.body) : undefined;
    return { ...res, view: stored, outcome };
  }

  function event(ev: Obj) {
    eventSeq += 1;
    const envelope = eventCallback(ctx, {
      event: { event_ts: actionTs(now()), ...ev },
      botUserId: standIn?.bot.userId ?? 'U0SSECBOT',
      eventId: `Ev0SBX${String(eventSeq).padStart(6, '0')}`,
      eventTimeSec: Math.floor(now() / 1000),
    });
    return signedPost(JSON.stringify(envelope), 'application/json');
  }

  function appHomeOpened(userId: string, o: { tab?: 'home' | 'messages' } = {}) {
    actor(userId);
    const home = standIn?.homeView(userId);
    return event({
      type: 'app_home_opened',
      user: userId,
      channel: `D${userId.slice(1)}`,
      tab: o.tab ?? 'home',
      ...(home ? { view: presentView(home) } : {}),
    });
  }

  return {
    slashCommand,
    blockAction,
    clickButton,
    clickViewButton,
    viewSubmission,
    appHomeOpened,
    event,
    raw: post,
    sign,
  };
}
