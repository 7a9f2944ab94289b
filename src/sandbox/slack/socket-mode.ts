// Socket Mode on the stand-in. `apps.connections.open`, called with the app-level token, answers with
// a one-use WebSocket URL served by the stand-in itself; the stand-in greets each connection with
// `hello`, pushes envelopes (slash commands, interactions, Events API callbacks) down it and waits for
// the app's ack `{ envelope_id, payload? }`, as Slack does. It answers the client's pings (the ws
// server does) and pings the client itself, and can ask the app to reconnect with `disconnect`.
// https://docs.slack.dev/apis/events-api/using-socket-mode

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { MethodContext, MethodHandler, MethodResult } from './method-support.ts';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** Methods called with the app-level token (`xapp-…`) rather than the bot token. */
export const APP_LEVEL_METHODS: ReadonlySet<string> = new Set(['apps.connections.open']);

/** Where `apps.connections.open` sends the app: `ws://HOST:PORT/link/?ticket=…`. */
export const SOCKET_PATH = '/link/';

export interface Envelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export interface SocketModeAck {
  envelopeId: string;
  type: EnvelopeType;
  /** What the app put in its ack (Bolt sends `{}` for a bare `ack()`). */
  payload: Record<string, unknown> | undefined;
  /** From sending the envelope to receiving the ack. */
  ms: number;
}

export interface PushOptions {
  /** How long to wait for the ack; Slack's deadline (3000 ms) unless given. */
  timeoutMs?: number;
  /** Defaults: true for slash commands and view submissions, false otherwise. */
  acceptsResponsePayload?: boolean;
  /** Events API retries carry these (defaults 0 and ''). */
  retryAttempt?: number;
  retryReason?: string;
}

/** One WebSocket connection the app opened, open or closed. */
export interface SocketConnection {
  id: string;
  openedAt: Date;
  closedAt?: Date;
  /** The close code the stand-in saw (1000 for the app's normal close, 1006 for a dropped socket). */
  closeCode?: number;
  /** Pings the app sent (each answered with a pong), and pongs it sent to the stand-in's pings. */
  pingsFromApp: number;
  pongsFromApp: number;
}

export interface SocketModeHubOptions {
  appId: string;
  now: () => number;
  /** Interval of the stand-in's own pings (default 10 s; 0 for none). */
  pingIntervalMs?: number;
  /** Called with each ack before push() resolves (the stand-in shows slash command answers with it). */
  onAck?: (envelope: Envelope, ack: SocketModeAck) => void;
}

interface Pending {
  envelope: Envelope;
  socket: WebSocket;
  sentAt: number;
  resolve: (ack: SocketModeAck) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** `apps.connections.open`: a fresh one-use URL on this stand-in for the app to connect to. */
function connectionsOpen({ socketModeUrl }: MethodContext): MethodResult {
  return { url: socketModeUrl() };
}

export const socketModeMethods: Record<string, MethodHandler> = {
  'apps.connections.open': connectionsOpen,
};

export class SocketModeHub {
  /** Emits `open` and `close` with a SocketConnection, `ack` with a SocketModeAck. */
  readonly events = new EventEmitter();
  /** Every connection so far, oldest first. */
  readonly connections: SocketConnection[] = [];
  /** Every envelope pushed so far, oldest first. */
  readonly sent: Envelope[] = [];
  /** Messages from the app that were not the ack of a pending envelope. */
  readonly unexpected: string[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets = new Map<WebSocket, SocketConnection>();
  private readonly pending = new Map<string, Pending>();
  private readonly opts: SocketModeHubOptions;
  private pingTimer: NodeJS.Timeout | undefined;

  constructor(opts: SocketModeHubOptions) {
    this.opts = opts;
    this.events.setMaxListeners(0);
    const interval = opts.pingIntervalMs ?? 10_000;
    if (interval > 0) {
      this.pingTimer = setInterval(() => {
        for (const s of this.sockets.keys()) if (s.readyState === WebSocket.OPEN) s.ping('stand-in');
      }, interval);
      this.pingTimer.unref();
    }
  }

  /** Takes the WebSocket upgrades of the stand-in's HTTP server. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
  }

  issueUrl(baseUrl: string): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    const wsBase = baseUrl.replace(/^http/, 'ws');
    return `${wsBase}${SOCKET_PATH}?ticket=${ticket}&app_id=${encodeURIComponent(this.opts.appId)}`;
  }

  /** How many connections are open now. */
  get connected(): number {
    return this.sockets.size;
  }

  /** Resolves once at least one app connection is open and greeted. */
  waitForConnection(timeoutMs = 2000): Promise<SocketConnection> {
    const newest = () => [...this.sockets.values()].pop();
    return this.waitUntil('open', newest, timeoutMs, () => 'no app connected over Socket Mode');
  }

  /** Resolves once no connection is open (the app closed its socket, or it dropped). */
  waitForNoConnection(timeoutMs = 2000): Promise<void> {
    const none = () => (this.sockets.size === 0 ? true : undefined);
    const still = () => `${this.sockets.size} Socket Mode connection(s) still open`;
    return this.waitUntil('close', none, timeoutMs, still).then(() => undefined);
  }

  /**
   * Sends an envelope to the app (on its newest open connection) and resolves with the app's ack.
   * Rejects at once when no app is connected, and after `timeoutMs` without an ack.
   */
  push(type: EnvelopeType, payload: Record<string, unknown>, opts: PushOptions = {}): Promise<SocketModeAck> {
    const socket = [...this.sockets.keys()].filter((s) => s.readyState === WebSocket.OPEN).pop();
    if (!socket) {
      const n = this.connections.length;
      const so = n === 0 ? 'none ever opened' : `${n} opened so far, all closed`;
      return Promise.reject(
        new Error(`stand-in: cannot push a ${type} envelope: no app is connected over Socket Mode (${so})`),
      );
    }
    const envelope: Envelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload:
        opts.acceptsResponsePayload ??
        (type === 'slash_commands' || (type === 'interactive' && payload.type === 'view_submission')),
      ...(type === 'events_api'
        ? { retry_attempt: opts.retryAttempt ?? 0, retry_reason: opts.retryReason ?? '' }
        : {}),
    };
    const timeoutMs = opts.timeoutMs ?? 3000;
    return new Promise<SocketModeAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelope.envelope_id);
        reject(
          new Error(
            `stand-in: no ack for ${type} envelope ${envelope.envelope_id} within ${timeoutMs} ms ` +
              '(Slack would retry it or show the user an error)',
          ),
        );
      }, timeoutMs);
      this.pending.set(envelope.envelope_id, {
        envelope,
        socket,
        sentAt: performance.now(),
        resolve,
        reject,
        timer,
      });
      this.sent.push(envelope);
      socket.send(JSON.stringify(envelope));
    });
  }

  /** Asks every connected app to reconnect, as Slack does before recycling a connection. */
  requestDisconnect(reason: 'warning' | 'refresh_requested' | 'link_disabled' = 'refresh_requested'): void {
    const message = JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-stand-in' } });
    for (const s of this.sockets.keys()) if (s.readyState === WebSocket.OPEN) s.send(message);
  }

  /** Drops every connection at once (the stand-in is stopping) and fails what awaits an ack. */
  close(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const s of this.sockets.keys()) s.terminate();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`stand-in: stopped before the ack of envelope ${p.envelope.envelope_id}`));
    }
    this.pending.clear();
    this.wss.close();
  }

  // ---- the WebSocket side ---------------------------------------------------------------------

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://stand-in.invalid');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== SOCKET_PATH || !this.tickets.delete(ticket)) {
      // Each ticket opens one connection: a reused or made-up URL is refused before the upgrade.
      const status = url.pathname === SOCKET_PATH ? '401 Unauthorized' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    const conn: SocketConnection = {
      id: randomUUID(),
      openedAt: new Date(this.opts.now()),
      pingsFromApp: 0,
      pongsFromApp: 0,
    };
    this.connections.push(conn);
    this.sockets.set(ws, conn);
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    // ws answers each ping with a pong by itself.
    ws.on('ping', () => conn.pingsFromApp++);
    ws.on('pong', () => conn.pongsFromApp++);
    ws.on('close', (code: number) => {
      this.sockets.delete(ws);
      conn.closedAt = new Date(this.opts.now());
      conn.closeCode = code;
      for (const [id, p] of this.pending) {
        if (p.socket !== ws) continue;
        this.pending.delete(id);
        clearTimeout(p.timer);
        p.reject(new Error(`stand-in: the connection closed (${code}) before the ack of envelope ${id}`));
      }
      this.events.emit('close', conn);
    });
    ws.on('error', () => {
      // A broken socket is followed by `close`; nothing else to do.
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.size,
        debug_info: { host: 'applink-stand-in', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.opts.appId },
      }),
    );
    this.events.emit('open', conn);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const text = isBinary ? '' : Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
    let message: { envelope_id?: unknown; payload?: unknown } | undefined;
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      message = undefined;
    }
    const id = typeof message?.envelope_id === 'string' ? message.envelope_id : undefined;
    const p = id ? this.pending.get(id) : undefined;
    if (!message || !id || !p) {
      this.unexpected.push(isBinary ? '<binary>' : text);
      return;
    }
    this.pending.delete(id);
    clearTimeout(p.timer);
    const payload =
      typeof message.payload === 'object' && message.payload !== null
        ? (message.payload as Record<string, unknown>)
        : undefined;
    const ack: SocketModeAck = {
      envelopeId: id,
      type: p.envelope.type,
      payload,
      ms: performance.now() - p.sentAt,
    };
    try {
      this.opts.onAck?.(p.envelope, ack);
    } finally {
      this.events.emit('ack', ack);
      p.resolve(ack);
    }
  }

  private waitUntil<T>(
    event: string,
    check: () => T | undefined,
    timeoutMs: number,
    failure: () => string,
  ): Promise<T> {
    const first = check();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      const recheck = () => {
        const v = check();
        if (v === undefined) return;
        clearTimeout(timer);
        this.events.off(event, recheck);
        resolve(v);
      };
      const timer = setTimeout(() => {
        this.events.off(event, recheck);
        reject(new Error(`stand-in: ${failure()} after ${timeoutMs} ms`));
      }, timeoutMs);
      this.events.on(event, recheck);
    });
  }
}
