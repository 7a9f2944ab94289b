// The requests Slack sends to an app, built in their documented shapes: slash commands
// (form fields), interaction payloads (`payload=<json>` form field) and Events API envelopes (JSON).
// https://docs.slack.dev/interactivity/implementing-slash-commands
// https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
// https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload
// https://docs.slack.dev/apis/events-api#callback-field

import type { Block } from './types.ts';

export interface AppContext {
  teamId: string;
  teamDomain: string;
  apiAppId: string;
  /** Slack still sends the deprecated verification token in every payload. */
  verificationToken: string;
}

export interface Actor {
  id: string;
  name: string;
}

type Obj = Record<string, unknown>;

const userObject = (ctx: AppContext, user: Actor) => ({
  id: user.id,
  username: user.name,
  name: user.name,
  team_id: ctx.teamId,
});

export interface SlashCommandFields {
  user: Actor;
  command: string;
  text: string;
  channelId: string;
  channelName: string;
  responseUrl: string;
  triggerId: string;
}

/** The form body of a slash command, field for field as Slack sends it. */
export function slashCommandBody(ctx: AppContext, f: SlashCommandFields): string {
  return new URLSearchParams([
    ['token', ctx.verificationToken],
    ['team_id', ctx.teamId],
    ['team_domain', ctx.teamDomain],
    ['channel_id', f.channelId],
    ['channel_name', f.channelName],
    ['user_id', f.user.id],
    ['user_name', f.user.name],
    ['command', f.command],
    ['text', f.text],
    ['api_app_id', ctx.apiAppId],
    ['is_enterprise_install', 'false'],
    ['response_url', f.responseUrl],
    ['trigger_id', f.triggerId],
  ]).toString();
}

/** Interaction payloads travel as one `payload` form field holding JSON. */
export const interactionBody = (payload: Obj): string =>
  new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

export interface BlockActionFields {
  user: Actor;
  action: Obj;
  container: Obj;
  triggerId: string;
  channel?: { id: string; name: string };
  message?: Obj;
  view?: Obj;
  responseUrl?: string;
  stateValues?: Record<string, Record<string, unknown>>;
}

export function blockActionsPayload(ctx: AppContext, f: BlockActionFields): Obj {
  return {
    type: 'block_actions',
    user: userObject(ctx, f.user),
    api_app_id: ctx.apiAppId,
    token: ctx.verificationToken,
    container: f.container,
    trigger_id: f.triggerId,
    team: { id: ctx.teamId, domain: ctx.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    ...(f.channel ? { channel: f.channel } : {}),
    ...(f.message ? { message: f.message } : {}),
    ...(f.view ? { view: f.view } : {}),
    state: { values: f.stateValues ?? {} },
    ...(f.responseUrl ? { response_url: f.responseUrl } : {}),
    actions: [f.action],
  };
}

export function viewSubmissionPayload(
  ctx: AppContext,
  f: { user: Actor; view: Obj; triggerId: string },
): Obj {
  return {
    type: 'view_submission',
    team: { id: ctx.teamId, domain: ctx.teamDomain },
    user: userObject(ctx, f.user),
    api_app_id: ctx.apiAppId,
    token: ctx.verificationToken,
    trigger_id: f.triggerId,
    view: f.view,
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function eventCallback(
  ctx: AppContext,
  f: { event: Obj; botUserId: string; eventId: string; eventTimeSec: number },
): Obj {
  return {
    token: ctx.verificationToken,
    team_id: ctx.teamId,
    api_app_id: ctx.apiAppId,
    event: f.event,
    type: 'event_callback',
    event_id: f.eventId,
    event_time: f.eventTimeSec,
    authorizations: [
      {
        enterprise_id: null,
        team_id: ctx.teamId,
        user_id: f.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(f.eventId).toString('base64url')}`,
  };
}

// ---- view state ---------------------------------------------------------------------------------

type Option = { text: unknown; value: string };

function optionsOf(el: Obj): Option[] {
  const direct = Array.isArray(el.options) ? (el.options as Option[]) : [];
  const grouped = Array.isArray(el.option_groups)
    ? (el.option_groups as Array<{ options?: Option[] }>).flatMap((g) => g.options ?? [])
    : [];
  return [...direct, ...grouped];
}

function pickOption(el: Obj, value: string): Option {
  const found = optionsOf(el).find((o) => o.value === value);
  return found ?? { text: { type: 'plain_text', text: value }, value };
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]);

/**
 * The `state.values` entry Slack reports for an input element, from a plain value: a string for
 * text inputs and single selects (by option value), a list for multi-selects, or the entry itself.
 */
export function stateEntry(element: Obj | undefined, value: unknown): Record<string, unknown> {
  const type = typeof element?.type === 'string' ? element.type : 'plain_text_input';
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return { type, ...(value as Obj) };
  const el = element ?? {};
  switch (type) {
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: value === null ? null : pickOption(el, String(value)) };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { type, selected_options: asList(value).map((v) => pickOption(el, v)) };
    case 'users_select':
      return { type, selected_user: value };
    case 'multi_users_select':
      return { type, selected_users: asList(value) };
    case 'conversations_select':
      return { type, selected_conversation: value };
    case 'multi_conversations_select':
      return { type, selected_conversations: asList(value) };
    case 'channels_select':
      return { type, selected_channel: value };
    case 'multi_channels_select':
      return { type, selected_channels: asList(value) };
    case 'datepicker':
      return { type, selected_date: value };
    case 'timepicker':
      return { type, selected_time: value };
    case 'datetimepicker':
      return { type, selected_date_time: value };
    default:
      return { type, value: value === null || value === undefined ? null : String(value) };
  }
}

/** Finds the input element with this block_id / action_id among a view's blocks. */
export function inputElement(blocks: Block[], blockId: string, actionId: string): Obj | undefined {
  for (const b of blocks) {
    if (b.block_id !== blockId) continue;
    const candidates = [b.element, b.accessory, ...(Array.isArray(b.elements) ? b.elements : [])];
    for (const c of candidates) {
      if (typeof c === 'object' && c !== null && (c as Obj).action_id === actionId) return c as Obj;
    }
  }
  return undefined;
}

/** Full `state.values` for a view from `{ blockId: { actionId: value } }`. */
export function stateValues(
  blocks: Block[],
  values: Record<string, Record<string, unknown>>,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [blockId, actions] of Object.entries(values)) {
    out[blockId] = {};
    for (const [actionId, value] of Object.entries(actions)) {
      const entries = out[blockId];
      if (entries) entries[actionId] = stateEntry(inputElement(blocks, blockId, actionId), value);
    }
  }
  return out;
}
