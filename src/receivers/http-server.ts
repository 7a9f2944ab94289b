import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpServerOptions {
  /** Exact `METHOD /path` routes served before Slack's; e.g. `GET /healthz`. */
  routes: Record<string, RouteHandler>;
  /** Bolt's HTTPReceiver request listener, for `/slack/events`. Absent in Socket Mode. */
  slackListener?: RouteHandler;
  logger: Logger;
}

export interface RunningHttpServer {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting connections and resolves once in-flight requests have been answered. */
  close(): Promise<void>;
}

/**
 * One HTTP server for Slack, alerts and health, so one port serves every contract route and
 * shutdown can stop accepting while in-flight requests finish.
 */
export function createHttpServer(opts: HttpServerOptions): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = opts.routes[`${req.method} ${path}`];
    const handle = route ?? (path === '/slack/events' ? opts.slackListener : undefined);
    if (!handle) {
      const known = Object.keys(opts.routes).some((r) => r.endsWith(` ${path}`)) || path === '/slack/events';
      res.writeHead(known ? 405 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: known ? 'method not allowed' : 'not found' }));
      return;
    }
    Promise.resolve()
      .then(() => handle(req, res))
      .catch((error: unknown) => {
        opts.logger.error({ err: error, path }, 'request handler failed');
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'internal error' }));
        }
      });
  });
}

export function listen(server: Server, port: number, host?: string): Promise<RunningHttpServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      const shownHost = host ?? '127.0.0.1';
      resolve({
        server,
        port: addr.port,
        url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${addr.port}`,
        close: () =>
          new Promise<void>((done) => {
            // close() stops accepting and waits for active requests; idle keep-alive sockets are closed.
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}

/** Reads a request body up to `limit` bytes; rejects with `tooLarge` past it. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
