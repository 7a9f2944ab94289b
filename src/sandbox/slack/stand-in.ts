// A loopback stand-in for Slack's Web API that the real @slack/web-api WebClient (and Bolt's client,
// via `clientOptions.slackApiUrl = standIn.apiUrl`) talks to over HTTP. It answers with Slack's
// response shapes, refuses what Slack refuses, keeps the workspace's channels, threads, files and
// views, and records every call so tests and the drill can read back what the bot did. An app in
// Socket Mode connects to it too (`apps.connections.open`, then a WebSocket): see socket-mode.ts.

import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { acceptUpload } from './file-methods.ts';
import { type Args, SlackMethodError } from './method-support.ts';
import { METHODS } from './methods.ts';
import { RateLimiter, type RateLimitOptions } from './rate-limit.ts';
import { parseArgs, readBody, tokenOf, uploadedBytes } from './request-body.ts';
import { postToResponseUrl, showCommandAck } from './response-url.ts';
import { APP_LEVEL_METHODS, type Envelope, type SocketModeAck, SocketModeHub } from './socket-mode.ts';
import type {
  BotIdentity,
  ChannelInfo,
  Ephemeral,
  RecordedCall,
  ResponseUrlContext,
  SlackChannelInput,
  SlackTeam,
  StoredFile,
  StoredMessage,
  StoredView,
} from './types.ts';
import { applyViewAck, type ViewAckOutcome } from './view-ack.ts';
import { Workspace, type WorkspaceOptions } from './workspace.ts';

export interface SlackStandInOptions extends WorkspaceOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** The only bot token accepted; calls without one get `not_authed`, with another `invalid_auth`. */
  botToken?: string;
  /** The only app-level token accepted (as the bearer token) by `apps.connections.open`. */
  appToken?: string;
  /** Interval of the stand-in's pings on Socket Mode connections (default 10 s; 0 for none). */
  socketPingIntervalMs?: number;
  rateLimit?: RateLimitOptions;
  /** Clock for timestamps and expiry (trigger ids, response URLs); defaults to Date.now. */
  now?: () => number;
}

export interface EphemeralFilter {
  channel?: string;
  user?: string;
  /** Include ephemerals that a later response replaced or deleted (default false). */
  includeReplaced?: boolean;
}

// Built at runtime so the source never holds a string shaped like a real Slack token.
const DEFAULT_BOT_TOKEN = ['xoxb', 'sandbox'].join('-');
const DEFAULT_APP_TOKEN = ['xapp', '1', 'sandbox'].join('-');

type Answer = { status: number; headers?: Record<string, string>; body: string | Buffer };

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

function errorBody(err: SlackMethodError): Record<string, unknown> {
  return {
    ok: false,
    error: err.code,
    ...(err.errors ? { errors: err.errors } : {}),
    ...(err.messages.length > 0 ? { response_metadata: { messages: err.messages } } : {}),
  };
}

/** Recorded arguments never hold a token, whatever the caller sent. */
function withoutToken(args: Args): Args {
  const { token: _token, ...rest } = args;
  return rest;
}

export class SlackStandIn {
  readonly workspace: Workspace;
  readonly botToken: string;
  readonly appToken: string;
  /** Socket Mode: the app's connections, and envelopes pushed to it (`socketMode.push`). */
  readonly socketMode: SocketModeHub;
  /** Emits `call` with each RecordedCall as it is recorded. */
  readonly events = new EventEmitter();
  readonly calls: RecordedCall[] = [];
  private readonly server: Server;
  private readonly limiter: RateLimiter;
  private readonly now: () => number;
  private baseUrl = '';

  constructor(opts: SlackStandInOptions = {}) {
    this.workspace = new Workspace(opts);
    this.botToken = opts.botToken ?? DEFAULT_BOT_TOKEN;
    this.appToken = opts.appToken ?? DEFAULT_APP_TOKEN;
    this.limiter = new RateLimiter(opts.rateLimit);
    this.now = opts.now ?? Date.now;
    this.events.setMaxListeners(0);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.send(res, json(500, { ok: false, error: 'fatal_error', detail: String(err) }));
      });
    });
    this.socketMode = new SocketModeHub({
      appId: this.workspace.bot.appId,
      now: this.now,
      ...(opts.socketPingIntervalMs !== undefined ? { pingIntervalMs: opts.socketPingIntervalMs } : {}),
      onAck: (envelope, ack) => this.applySocketAck(envelope, ack),
    });
    this.socketMode.attach(this.server);
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    this.baseUrl = `http://${shownHost}:${addr.port}`;
  }

  /** `http://127.0.0.1:PORT` */
  get url(): string {
    return this.baseUrl;
  }

  /** What to give WebClient / Bolt as `slackApiUrl` (note the trailing slash). */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  get team(): SlackTeam {
    return this.workspace.team;
  }

  get bot(): BotIdentity {
    return this.workspace.bot;
  }

  async stop(): Promise<void> {
    this.socketMode.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- reading back what happened -------------------------------------------------------------

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /**
   * Resolves with `check()`'s first defined result, re-checking after every recorded call (and every
   * 25 ms, for changes the driver makes without a call, such as a submitted view closing).
   */
  waitFor<T>(check: () => T | undefined, timeoutMs = 2000): Promise<T> {
    const first = check();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      const recheck = () => {
        const v = check();
        if (v === undefined) return;
        cleanup();
        resolve(v);
      };
      const poll = setInterval(recheck, 25);
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`stand-in: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearInterval(poll);
        clearTimeout(timer);
        this.events.off('call', recheck);
      };
      this.events.on('call', recheck);
    });
  }

  /** The first recorded call to `method` (past or future) that matches. */
  waitForCall(method: string, match: (c: RecordedCall) => boolean = () => true, timeoutMs = 2000) {
    return this.waitFor(() => this.calls.find((c) => c.method === method && match(c)), timeoutMs);
  }

  channels(): ChannelInfo[] {
    return [...this.workspace.channels.values()].map((c) => ({ ...c.info }));
  }

  /** What the channel shows (no thread replies unless broadcast), oldest first. */
  messages(channel: string): StoredMessage[] {
    return this.workspace.topLevel(channel);
  }

  /** Every message of the channel including thread replies, oldest first. */
  allMessages(channel: string): StoredMessage[] {
    return [...(this.workspace.channels.get(channel)?.messages ?? [])];
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.workspace.message(channel, ts);
  }

  /** The thread's parent then its replies, oldest first. */
  thread(channel: string, ts: string): StoredMessage[] {
    return this.workspace.thread(channel, ts);
  }

  ephemerals(filter: EphemeralFilter = {}): Ephemeral[] {
    return this.workspace.ephemerals.filter(
      (e) =>
        (filter.channel === undefined || e.channel === filter.channel) &&
        (filter.user === undefined || e.user === filter.user) &&
        (filter.includeReplaced || !e.replaced),
    );
  }

  /** Files whose upload was completed (shared or private), oldest first. */
  files(): StoredFile[] {
    return [...this.workspace.files.values()].filter((f) => f.completed);
  }

  file(id: string): StoredFile | undefined {
    return this.workspace.files.get(id);
  }

  /** Modals opened for a user (or everyone), oldest first; `open` tells which are still shown. */
  views(userId?: string): StoredView[] {
    return [...this.workspace.views.values()].filter(
      (v) => v.type === 'modal' && (userId === undefined || v.user === userId),
    );
  }

  view(id: string): StoredView | undefined {
    return this.workspace.views.get(id);
  }

  homeView(userId: string): StoredView | undefined {
    const id = this.workspace.homeViews.get(userId);
    return id ? this.workspace.views.get(id) : undefined;
  }

  // ---- playing Slack's side (used by the driver) ----------------------------------------------

  /** A response URL on this stand-in for an interaction in `ctx.channel` by `ctx.user`. */
  responseUrl(ctx: ResponseUrlContext): string {
    return `${this.baseUrl}/response/${this.workspace.createResponseUrl(ctx, this.now())}`;
  }

  /** A trigger id that lets the app open one modal for `userId` within Slack's 3 seconds. */
  triggerId(userId: string): string {
    return this.workspace.issueTrigger(userId, this.now());
  }

  ensureUser(id: string, name?: string): void {
    this.workspace.ensureUser(id, name);
  }

  addChannel(channel: SlackChannelInput): void {
    this.workspace.addChannel(channel, this.now());
  }

  /** The next `times` calls to `method` (`*` for any) answer 429 with this Retry-After. */
  rateLimitNext(method: string, retryAfterSeconds: number, times = 1): void {
    this.limiter.forceNext(method, retryAfterSeconds, times);
  }

  /** Shows a slash command's HTTP answer body the way Slack does. */
  showCommandAck(responseUrl: string, body: string, contentType: string | undefined): void {
    if (body.trim() === '') return;
    const state = this.workspace.responseUrls.get(this.responseUrlId(responseUrl));
    if (!state) return;
    let args: Args = { text: body };
    if ((contentType ?? '').includes('json')) {
      try {
        args = JSON.parse(body) as Args;
      } catch {
        // Slack shows a body that is not JSON as plain text.
      }
    }
    try {
      showCommandAck(this.workspace, state, args, this.now());
    } catch (err) {
      if (!(err instanceof SlackMethodError)) throw err;
    }
  }

  /** Applies the app's HTTP answer to a view_submission to the stored view. */
  applyViewAck(viewId: string, body: string): ViewAckOutcome | undefined {
    const view = this.workspace.views.get(viewId);
    return view ? applyViewAck(this.workspace, view, body, this.now()) : undefined;
  }

  /** What Slack does with a Socket Mode ack's payload: the same as with the HTTP answer. */
  private applySocketAck(envelope: Envelope, ack: SocketModeAck): void {
    const p = envelope.payload;
    const body = ack.payload && Object.keys(ack.payload).length > 0 ? JSON.stringify(ack.payload) : '';
    if (envelope.type === 'slash_commands' && typeof p.response_url === 'string') {
      this.showCommandAck(p.response_url, body, 'application/json');
    } else if (envelope.type === 'interactive' && p.type === 'view_submission') {
      const view = p.view as { id?: unknown } | undefined;
      if (typeof view?.id === 'string') this.applyViewAck(view.id, body);
    }
  }

  private responseUrlId(url: string): string {
    const prefix = `${this.baseUrl}/response/`;
    return url.startsWith(prefix) ? url.slice(prefix.length) : '';
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in.invalid');
    const path = url.pathname;
    const raw = await readBody(req);
    const contentType = req.headers['content-type'];
    if (path.startsWith('/api/')) {
      this.send(res, await this.api(decodeURIComponent(path.slice(5)), raw, contentType, url, req));
    } else if (path.startsWith('/upload/v1/') && req.method === 'POST') {
      this.send(res, await this.upload(path.slice('/upload/v1/'.length), raw, contentType));
    } else if (path.startsWith('/response/') && req.method === 'POST') {
      this.send(res, await this.respond(path.slice('/response/'.length), raw, contentType));
    } else if (path.startsWith('/files-pri/') && req.method === 'GET') {
      this.send(res, this.download(path, req));
    } else {
      this.send(res, { status: 404, body: 'not found' });
    }
  }

  private async api(
    method: string,
    raw: Buffer,
    contentType: string | undefined,
    url: URL,
    req: IncomingMessage,
  ): Promise<Answer> {
    const at = new Date(this.now());
    let args: Args = {};
    try {
      args = await parseArgs(raw, contentType, url.searchParams);
      const handler = METHODS[method];
      if (!handler) throw new SlackMethodError('unknown_method');
      // App-level methods take the app token, and only as the bearer token.
      const appLevel = APP_LEVEL_METHODS.has(method);
      const token = tokenOf(req.headers.authorization, appLevel ? {} : args);
      if (!token) throw new SlackMethodError('not_authed');
      if (token !== (appLevel ? this.appToken : this.botToken)) throw new SlackMethodError('invalid_auth');
      const channel = typeof args.channel === 'string' ? args.channel : undefined;
      const retryAfter = this.limiter.check(method, channel, this.now());
      if (retryAfter !== undefined) {
        const body = { ok: false, error: 'ratelimited' };
        this.record({
          method,
          args: withoutToken(args),
          at,
          status: 429,
          ok: false,
          error: 'ratelimited',
          response: body,
        });
        return json(429, body, { 'retry-after': String(retryAfter) });
      }
      const result = {
        ok: true,
        ...handler({
          ws: this.workspace,
          args,
          baseUrl: this.baseUrl,
          now: this.now(),
          socketModeUrl: () => this.socketMode.issueUrl(this.baseUrl),
        }),
      };
      this.record({ method, args: withoutToken(args), at, status: 200, ok: true, response: result });
      return json(200, result);
    } catch (err) {
      if (!(err instanceof SlackMethodError)) throw err;
      const body = errorBody(err);
      this.record({
        method,
        args: withoutToken(args),
        at,
        status: 200,
        ok: false,
        error: err.code,
        response: body,
      });
      // Slack answers API errors with HTTP 200 and `ok: false`.
      return json(200, body);
    }
  }

  private async upload(fileId: string, raw: Buffer, contentType: string | undefined): Promise<Answer> {
    const at = new Date(this.now());
    const bytes = await uploadedBytes(raw, contentType);
    const answer = acceptUpload(this.workspace, decodeURIComponent(fileId), bytes);
    const ok = answer.status === 200;
    this.record({
      method: 'upload',
      args: { file_id: fileId, bytes: bytes.length },
      at,
      status: answer.status,
      ok,
      ...(ok ? {} : { error: answer.body }),
      response: answer.body,
    });
    return {
      status: answer.status,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: answer.body,
    };
  }

  private async respond(id: string, raw: Buffer, contentType: string | undefined): Promise<Answer> {
    const at = new Date(this.now());
    let args: Args;
    try {
      args = await parseArgs(raw, contentType ?? 'application/json', new URLSearchParams());
    } catch (err) {
      if (!(err instanceof SlackMethodError)) throw err;
      return json(400, { ok: false, error: err.code });
    }
    const answer = postToResponseUrl(this.workspace, id, args, this.now());
    const ok = answer.status === 200;
    const error = typeof answer.body.error === 'string' ? answer.body.error : undefined;
    this.record({
      method: 'response_url',
      args,
      at,
      status: answer.status,
      ok,
      ...(error ? { error } : {}),
      response: answer.body,
    });
    return json(answer.status, answer.body);
  }

  private download(path: string, req: IncomingMessage): Answer {
    // Private file URLs need the bot token, as on files.slack.com.
    if (tokenOf(req.headers.authorization, {}) !== this.botToken) return { status: 403, body: 'forbidden' };
    const m = /^\/files-pri\/[^-]+-([^/]+)\//.exec(path);
    const file = m?.[1] ? this.workspace.files.get(m[1]) : undefined;
    if (!file?.completed) return { status: 404, body: 'file_not_found' };
    return { status: 200, headers: { 'content-type': file.mimetype }, body: file.content };
  }

  private record(call: RecordedCall): void {
    this.calls.push(call);
    this.events.emit('call', call);
  }

  private send(res: ServerResponse, answer: Answer): void {
    if (res.headersSent) return;
    res.writeHead(answer.status, answer.headers ?? { 'content-type': 'text/plain; charset=utf-8' });
    res.end(answer.body);
  }
}

/** Starts a stand-in on loopback (a free port unless `port` is given). */
export async function startSlackApiStandIn(opts: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const standIn = new SlackStandIn(opts);
  await standIn.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  return standIn;
}
