// The stand-in's memory of one Slack workspace: people, channels with their messages and threads,
// files, views, ephemerals, and the short-lived trigger ids and response URLs Slack hands out.
// Method handlers change it; tests read it back through the stand-in's helpers.

import { randomBytes } from 'node:crypto';
import { SlackMethodError } from './method-support.ts';
import type {
  BotIdentity,
  ChannelInfo,
  Ephemeral,
  ResponseUrlContext,
  SlackChannelInput,
  SlackTeam,
  SlackUserInput,
  StoredFile,
  StoredMessage,
  StoredView,
} from './types.ts';

export interface WorkspaceOptions {
  team?: Partial<SlackTeam>;
  bot?: Partial<BotIdentity>;
  users?: SlackUserInput[];
  /** User group id (`S…`) → member user ids. */
  usergroups?: Record<string, string[]>;
  /** When given, only these channels exist and any other id is `channel_not_found`. */
  channels?: SlackChannelInput[];
  /** Slack's trigger ids expire after 3 s; 0 disables expiry. */
  triggerTtlMs?: number;
}

export interface ChannelState {
  info: ChannelInfo;
  /** Every message, top-level and replies, in posting (= ts) order. */
  messages: StoredMessage[];
}

export interface TriggerState {
  id: string;
  user: string;
  issuedAt: number;
  used: boolean;
}

export interface ResponseUrlState {
  id: string;
  ctx: ResponseUrlContext;
  createdAt: number;
  uses: number;
  /** What this URL last posted, so a later `replace_original` acts on it. */
  lastPosted?: { ts: string; ephemeral: boolean };
}

// "Pass a valid trigger_id within 3 seconds of receiving it" https://docs.slack.dev/tools/bolt-js/concepts/creating-modals
const DEFAULT_TRIGGER_TTL_MS = 3000;

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const USER_ID = /^[UW][A-Z0-9]{2,}$/;

export class Workspace {
  readonly team: SlackTeam;
  readonly bot: BotIdentity;
  readonly users = new Map<string, SlackUserInput>();
  readonly usergroups = new Map<string, string[]>();
  readonly channels = new Map<string, ChannelState>();
  readonly fixedChannels: boolean;
  readonly files = new Map<string, StoredFile>();
  /** Every view ever opened or published, by id. */
  readonly views = new Map<string, StoredView>();
  /** User id → id of their current home view. */
  readonly homeViews = new Map<string, string>();
  readonly ephemerals: Ephemeral[] = [];
  readonly triggers = new Map<string, TriggerState>();
  readonly responseUrls = new Map<string, ResponseUrlState>();
  readonly triggerTtlMs: number;
  private lastTsMicros = 0n;
  private seq = 0;

  constructor(opts: WorkspaceOptions = {}) {
    this.team = { id: 'T0SANDBOX', name: 'Sandbox', domain: 'sandbox', ...opts.team };
    this.bot = { userId: 'U0SSECBOT', botId: 'B0SSECBOT', appId: 'A0SSECAPP', name: 'ssec', ...opts.bot };
    this.triggerTtlMs = opts.triggerTtlMs ?? DEFAULT_TRIGGER_TTL_MS;
    this.users.set(this.bot.userId, { id: this.bot.userId, name: this.bot.name, isBot: true });
    for (const u of opts.users ?? []) this.users.set(u.id, u);
    for (const [id, members] of Object.entries(opts.usergroups ?? {})) this.usergroups.set(id, [...members]);
    this.fixedChannels = opts.channels !== undefined;
    for (const c of opts.channels ?? []) this.addChannel(c);
  }

  /** Strictly increasing Slack-style timestamps (`seconds.micros`), even for calls in the same millisecond. */
  nextTs(nowMs: number): string {
    let micros = BigInt(Math.floor(nowMs)) * 1000n;
    if (micros <= this.lastTsMicros) micros = this.lastTsMicros + 1n;
    this.lastTsMicros = micros;
    const s = micros.toString().padStart(7, '0');
    return `${s.slice(0, -6)}.${s.slice(-6)}`;
  }

  /** Slack-looking ids: prefix letter, then upper-case base36, unique within this workspace. */
  nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}0SBX${this.seq.toString(36).toUpperCase().padStart(5, '0')}`;
  }

  addChannel(c: SlackChannelInput, nowMs = Date.now()): ChannelState {
    const state: ChannelState = {
      info: {
        id: c.id,
        name: c.name,
        is_channel: c.id.startsWith('C'),
        is_im: false,
        is_private: c.isPrivate ?? c.id.startsWith('G'),
        is_member: true,
        created: Math.floor(nowMs / 1000),
      },
      messages: [],
    };
    this.channels.set(c.id, state);
    return state;
  }

  /** Someone who clicks or types in Slack exists in Slack: make sure `users.info` knows them. */
  ensureUser(id: string, name?: string): SlackUserInput {
    const known = this.users.get(id);
    if (known) return known;
    const user: SlackUserInput = { id, name: name ?? id.toLowerCase() };
    this.users.set(id, user);
    return user;
  }

  /**
   * The conversation a `channel` argument names: an id, a `#name`, or a user id (the app's DM with them).
   * Unknown ids are created on first write unless the channel list is fixed.
   */
  resolveChannel(ref: string, opts: { create: boolean }): ChannelState {
    const direct = this.channels.get(ref);
    if (direct) return direct;
    if (USER_ID.test(ref)) return this.dmWith(ref, opts.create);
    const name = ref.replace(/^#/, '');
    for (const c of this.channels.values()) if (c.info.name === name) return c;
    if (this.fixedChannels || !opts.create) throw new SlackMethodError('channel_not_found');
    const id = CHANNEL_ID.test(ref) ? ref : this.nextId('C');
    return this.addChannel({ id, name: CHANNEL_ID.test(ref) ? ref.toLowerCase() : name });
  }

  private dmWith(userId: string, create: boolean): ChannelState {
    const id = `D${userId.slice(1)}`;
    const existing = this.channels.get(id);
    if (existing) return existing;
    if (!this.users.has(userId) || !create) throw new SlackMethodError('channel_not_found');
    const state = this.addChannel({ id, name: id, isPrivate: true });
    state.info.is_channel = false;
    state.info.is_im = true;
    state.info.user = userId;
    return state;
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.channels.get(channel)?.messages.find((m) => m.ts === ts);
  }

  /** A thread's parent and replies in order; a ts with no replies is a thread of one. */
  thread(channel: string, ts: string): StoredMessage[] {
    const msgs = this.channels.get(channel)?.messages ?? [];
    return msgs.filter((m) => m.ts === ts || m.thread_ts === ts);
  }

  /** What the channel shows: messages outside threads, plus replies also sent to the channel. */
  topLevel(channel: string): StoredMessage[] {
    const msgs = this.channels.get(channel)?.messages ?? [];
    return msgs.filter(
      (m) => m.thread_ts === undefined || m.thread_ts === m.ts || m.reply_broadcast === true,
    );
  }

  /** Slack files a reply under the thread's parent even when given a reply's ts. */
  threadRoot(state: ChannelState, threadTs: string): string {
    const target = state.messages.find((m) => m.ts === threadTs);
    return target?.thread_ts ?? threadTs;
  }

  /** A message as the Web API returns it, with the thread summary Slack adds to parents. */
  present(m: StoredMessage): Record<string, unknown> {
    const { via: _via, channel: _channel, ...rest } = m;
    const isReply = m.thread_ts !== undefined && m.thread_ts !== m.ts;
    const replies = isReply
      ? []
      : (this.channels.get(m.channel)?.messages ?? []).filter((r) => r.thread_ts === m.ts && r.ts !== m.ts);
    if (replies.length === 0) return rest;
    const replyUsers = [...new Set(replies.map((r) => r.user))];
    return {
      ...rest,
      thread_ts: m.ts,
      reply_count: replies.length,
      reply_users: replyUsers,
      reply_users_count: replyUsers.length,
      latest_reply: replies[replies.length - 1]?.ts,
    };
  }

  issueTrigger(user: string, nowMs: number): string {
    // Slack's trigger ids look like `12345.98765.abcd2358fdea`.
    this.seq += 1;
    const id = `${this.seq}.${Math.floor(nowMs / 1000)}.${randomBytes(8).toString('hex')}`;
    this.triggers.set(id, { id, user, issuedAt: nowMs, used: false });
    return id;
  }

  /** A trigger opens one modal, within its lifetime. */
  consumeTrigger(id: string, nowMs: number): TriggerState {
    const t = this.triggers.get(id);
    if (!t) throw new SlackMethodError('invalid_arguments', ['invalid `trigger_id`']);
    if (t.used) throw new SlackMethodError('exchanged_trigger_id');
    if (this.triggerTtlMs > 0 && nowMs - t.issuedAt > this.triggerTtlMs) {
      throw new SlackMethodError('expired_trigger_id');
    }
    t.used = true;
    return t;
  }

  createResponseUrl(ctx: ResponseUrlContext, nowMs: number): string {
    const id = `${this.team.id}/${this.nextId('R')}/${randomBytes(12).toString('hex')}`;
    this.responseUrls.set(id, { id, ctx, createdAt: nowMs, uses: 0 });
    return id;
  }
}
