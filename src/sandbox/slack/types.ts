// Shapes shared by the Slack Web API stand-in, its driver and the terminal renderer. Field names
// follow Slack's own JSON (snake_case) wherever the object is something Slack would send back, so
// tests can compare what the bot receives with what the stand-in stores without translation.

/** A Block Kit block as sent by the bot; only `type` is guaranteed. */
export type Block = { type: string; block_id?: string } & Record<string, unknown>;

export interface SlackTeam {
  id: string;
  name: string;
  domain: string;
}

/** The app's own identity, as `auth.test` reports it. */
export interface BotIdentity {
  userId: string;
  botId: string;
  appId: string;
  name: string;
}

export interface SlackUserInput {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  tz?: string;
  isBot?: boolean;
  isAdmin?: boolean;
  deleted?: boolean;
}

export interface SlackChannelInput {
  id: string;
  name: string;
  isPrivate?: boolean;
}

export interface ChannelInfo {
  id: string;
  name: string;
  is_channel: boolean;
  is_im: boolean;
  is_private: boolean;
  is_member: boolean;
  created: number;
  /** For a DM (`D…`), the human on the other side. */
  user?: string;
}

export interface Reaction {
  name: string;
  users: string[];
  count: number;
}

/** A file as Slack describes it inside messages and `files.*` answers. */
export interface SlackFileObject {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  pretty_type: string;
  size: number;
  user: string;
  created: number;
  timestamp: number;
  is_external: boolean;
  url_private: string;
  url_private_download: string;
  permalink: string;
  channels: string[];
  alt_txt?: string;
}

export interface StoredFile extends SlackFileObject {
  /** The bytes received at the upload URL (empty until the upload happens). */
  content: Buffer;
  /** The length announced in `files.getUploadURLExternal`. */
  declaredLength: number;
  uploaded: boolean;
  /** True once `files.completeUploadExternal` named it. */
  completed: boolean;
  threadTs?: string;
}

export interface StoredMessage {
  type: 'message';
  channel: string;
  ts: string;
  user: string;
  text: string;
  team: string;
  bot_id?: string;
  app_id?: string;
  subtype?: string;
  blocks?: Block[];
  attachments?: unknown[];
  files?: SlackFileObject[];
  thread_ts?: string;
  parent_user_id?: string;
  reply_broadcast?: boolean;
  edited?: { user: string; ts: string };
  reactions?: Reaction[];
  pinned_to?: string[];
  metadata?: unknown;
  upload?: boolean;
  /** Set by the stand-in when a `response_url` posted or replaced it (not part of Slack's shape). */
  via?: 'api' | 'response_url' | 'file_share' | 'seed';
}

/** Something only one user sees: `chat.postEphemeral`, a `response_url` reply, or a command's ack body. */
export interface Ephemeral {
  channel: string;
  user: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: Block[];
  source: 'chat.postEphemeral' | 'response_url' | 'command_ack';
  /** Replaced ephemerals are kept for the record but no longer shown. */
  replaced: boolean;
}

export interface TextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

/** A modal or home view as stored and returned by `views.*`. */
export interface StoredView {
  id: string;
  team_id: string;
  type: 'modal' | 'home';
  /** Who sees it (not part of Slack's view object). */
  user: string;
  title?: TextObject;
  submit?: TextObject;
  close?: TextObject;
  blocks: Block[];
  private_metadata: string;
  callback_id: string;
  external_id: string;
  state: { values: Record<string, Record<string, unknown>> };
  hash: string;
  clear_on_close: boolean;
  notify_on_close: boolean;
  root_view_id: string;
  previous_view_id: string | null;
  app_id: string;
  bot_id: string;
  app_installed_team_id: string;
  /** False once submitted without a follow-up view, closed, or replaced by a newer home view. */
  open: boolean;
}

export interface RecordedCall {
  /** Web API method, or `upload` (the upload URL) / `response_url` / `files.download`. */
  method: string;
  args: Record<string, unknown>;
  at: Date;
  status: number;
  ok: boolean;
  error?: string;
  response: unknown;
}

export interface ResponseUrlContext {
  channel: string;
  user: string;
  /** The message the interaction came from, so `replace_original` / `delete_original` can act on it. */
  messageTs?: string;
  threadTs?: string;
  /** The interaction came from an ephemeral message (replace acts on the ephemeral). */
  ephemeral?: boolean;
}
