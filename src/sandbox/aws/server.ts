// The AWS stand-in's HTTP front door: one loopback server that the real AWS SDK v3 clients reach by
// endpoint configuration alone. It routes on the SigV4 credential scope's service (S3, S3 Control,
// IAM, STS, Backup), counts requests per operation, injects latency and S3 `503 SlowDown` on demand,
// and offers JSON control routes under `/_sandbox/` for processes that cannot seed it in-process.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BackupService, createBackupService } from './backup.ts';
import { createIamService, DEFAULT_ACCOUNT_ID, DEFAULT_ADMIN_ACCESS_KEY_ID, type IamService } from './iam.ts';
import { createS3ControlService, type S3ControlService } from './s3-control.ts';
import { hostId, renderS3Error, S3Error } from './s3-errors.ts';
import { createS3Service, s3OperationOf } from './s3-handler.ts';
import { seededRandom } from './s3-ids.ts';
import { S3Store, type SeedVersion } from './s3-store.ts';
import { createStsService } from './sts.ts';
import type { SandboxRequest, SandboxResponse, ServiceHandler } from './types.ts';

export interface AwsSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Added before every AWS response. */
  latencyMs?: number;
  /** Fraction (0..1) of S3 requests answered `503 SlowDown`. */
  slowDownRate?: number;
  /** Seeds version ids and fault sampling, for reproducible runs. */
  seed?: number;
  /** The sandbox's clock (LastModified of HTTP writes, IAM last-used); real time by default. */
  now?: () => Date;
  /** How long a Backup restore job runs. */
  restoreDelayMs?: number;
}

export interface Faults {
  latencyMs: number;
  slowDownRate: number;
}

export interface RequestCounters {
  /** Requests received for one operation (e.g. `HeadObject`), throttled ones included. */
  get(operation: string): number;
  /** Requests answered with an injected `503 SlowDown`. */
  throttled(operation?: string): number;
  total(): number;
  snapshot(): Record<string, number>;
  reset(): void;
}

export interface AwsSandbox {
  /** e.g. `http://127.0.0.1:PORT`: pass as `endpoint` (S3 with `forcePathStyle: true`). */
  endpoint: string;
  region: string;
  accountId: string;
  /** Always authorized; fake by construction (never an `AKIA…` id). */
  adminCredentials: { accessKeyId: string; secretAccessKey: string };
  /** The S3 state: the S3Backend contract plus seeding helpers (`seed`, `putDeleteMarker`, …). */
  s3: S3Store;
  iam: IamService;
  backup: BackupService;
  s3control: S3ControlService;
  counters: RequestCounters;
  setFaults(faults: Partial<Faults>): void;
  faults(): Faults;
  /** Freezes the sandbox clock at `at`; `undefined` returns to the configured clock. */
  setNow(at: Date | undefined): void;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const ADMIN_SECRET = 'ssec-sandbox-admin-secret-not-a-real-key';

interface Scope {
  accessKeyId: string | undefined;
  service: string | undefined;
  region: string;
}

/** `Credential=AKID/20260101/us-east-1/s3/aws4_request` from the header or a presigned URL. */
export function credentialScope(authorization: string | undefined, query: URLSearchParams): Scope {
  const credential =
    /Credential=([^,\s]+)/.exec(authorization ?? '')?.[1] ?? query.get('X-Amz-Credential') ?? undefined;
  if (!credential) return { accessKeyId: undefined, service: undefined, region: REGION };
  const [accessKeyId, , region, service] = credential.split('/');
  return { accessKeyId: accessKeyId || undefined, service, region: region || REGION };
}

function createCounters(): RequestCounters & { count(op: string, throttled: boolean): void } {
  let counts = new Map<string, number>();
  let throttledCounts = new Map<string, number>();
  let total = 0;
  return {
    count(op, throttled) {
      counts.set(op, (counts.get(op) ?? 0) + 1);
      if (throttled) throttledCounts.set(op, (throttledCounts.get(op) ?? 0) + 1);
      total++;
    },
    get: (op) => counts.get(op) ?? 0,
    throttled: (op) =>
      op === undefined
        ? [...throttledCounts.values()].reduce((a, b) => a + b, 0)
        : (throttledCounts.get(op) ?? 0),
    total: () => total,
    snapshot: () => Object.fromEntries(counts),
    reset() {
      counts = new Map();
      throttledCounts = new Map();
      total = 0;
    },
  };
}

/** Non-S3 operation names: the query protocol's Action, else the handler's, else method and path. */
function otherOperation(req: SandboxRequest, res: SandboxResponse): string {
  const action = req.query.get('Action') ?? /(?:^|&)Action=([^&]+)/.exec(req.body.toString('latin1'))?.[1];
  return action ?? res.operation ?? `${req.service}:${req.method} ${req.path}`;
}

const EMPTY = Buffer.alloc(0);

function readBody(req: IncomingMessage): Promise<Buffer> | Buffer {
  // Most requests (HEAD, GET, copies) carry no body: skip the stream machinery for them.
  const length = req.headers['content-length'];
  if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) {
    req.resume();
    return EMPTY;
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startAwsSandbox(opts: AwsSandboxOptions = {}): Promise<AwsSandbox> {
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 32);
  const random = seededRandom(seed);
  // A separate stream, so injecting faults does not change the version ids a seeded run produces.
  const faultRandom = seededRandom(seed ^ 0x5eed);
  let frozen: Date | undefined;
  const baseNow = opts.now ?? (() => new Date());
  const now = () => frozen ?? baseNow();
  const faults: Faults = { latencyMs: opts.latencyMs ?? 0, slowDownRate: opts.slowDownRate ?? 0 };
  const counters = createCounters();

  const s3 = new S3Store(now, random);
  const iam = createIamService({
    accountId: DEFAULT_ACCOUNT_ID,
    adminAccessKeyId: DEFAULT_ADMIN_ACCESS_KEY_ID,
    now,
  });
  const sts = createStsService(iam);
  const backup = createBackupService({
    s3,
    accountId: iam.accountId,
    region: REGION,
    iam: iam.backend,
    now,
    ...(opts.restoreDelayMs === undefined ? {} : { restoreDelayMs: opts.restoreDelayMs }),
  });
  const s3control = createS3ControlService({
    s3,
    accountId: iam.accountId,
    region: REGION,
    iam: iam.backend,
    now,
  });
  const s3Service = createS3Service({
    store: s3,
    iam: { ...iam.backend, authorizeAction: iam.authorizeAction },
    now,
  });
  const services: Record<string, ServiceHandler | undefined> = {
    s3: s3Service.handler,
    iam: iam.handler,
    sts: sts.handler,
    backup: backup.handler,
    s3control: s3control.handler,
  };

  // S3-like 16 hex digits: a per-run prefix and a counter, unique without per-request randomness.
  const requestIdPrefix = Math.floor(random() * 0xffffffff)
    .toString(16)
    .toUpperCase()
    .padStart(8, '0');
  let requestCount = 0;
  const control = controlRoutes({ s3, counters, faults });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = requestIdPrefix + (requestCount++ >>> 0).toString(16).toUpperCase().padStart(8, '0');
    const url = req.url ?? '/';
    const question = url.indexOf('?');
    const rawPath = question === -1 ? url : url.slice(0, question);
    const query = new URLSearchParams(question === -1 ? '' : url.slice(question + 1));
    const body = await readBody(req);
    if (rawPath.startsWith('/_sandbox/')) {
      send(res, req.method ?? 'GET', requestId, control(req.method ?? 'GET', rawPath, body));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const scope = credentialScope(headers['authorization'], query);
    let path = rawPath;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      // S3 reports undecodable paths itself (InvalidURI); other services never see such paths.
    }
    // S3 Control signs as `s3` too; its REST paths are versioned.
    const service =
      scope.service === 's3' && rawPath.startsWith('/v20180820/') ? 's3control' : (scope.service ?? 's3');
    const sandboxRequest: SandboxRequest = {
      method: req.method ?? 'GET',
      path,
      rawPath,
      query,
      headers,
      body,
      accessKeyId: scope.accessKeyId,
      service,
      region: scope.region,
      requestId,
    };
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    let response: SandboxResponse;
    if (service === 's3') {
      const operation = s3OperationOf(sandboxRequest);
      const throttled = faults.slowDownRate > 0 && faultRandom() < faults.slowDownRate;
      counters.count(operation, throttled);
      response = throttled
        ? renderS3Error(
            new S3Error(503, 'SlowDown', 'Please reduce your request rate.'),
            requestId,
            sandboxRequest.method,
          )
        : await s3Service.handler(sandboxRequest);
    } else {
      const serviceHandler = services[service];
      response = serviceHandler
        ? await serviceHandler(sandboxRequest)
        : {
            status: 400,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ message: `The AWS sandbox does not implement the ${service} service` }),
          };
      counters.count(otherOperation(sandboxRequest, response), false);
    }
    send(res, sandboxRequest.method, requestId, response);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`sandbox internal error: ${message}`);
      } else {
        res.destroy();
      }
    });
  });
  // Outlive the SDK's idle keep-alive sockets so a reused socket is never closed under a request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    endpoint: `http://${host}:${address.port}`,
    region: REGION,
    accountId: iam.accountId,
    adminCredentials: { accessKeyId: iam.adminAccessKeyId, secretAccessKey: ADMIN_SECRET },
    s3,
    iam,
    backup,
    s3control,
    counters,
    setFaults(update) {
      if (update.latencyMs !== undefined) faults.latencyMs = Math.max(0, update.latencyMs);
      if (update.slowDownRate !== undefined)
        faults.slowDownRate = Math.min(1, Math.max(0, update.slowDownRate));
    },
    faults: () => ({ ...faults }),
    setNow(at) {
      frozen = at;
    },
    async stop() {
      backup.close();
      s3control.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function send(res: ServerResponse, method: string, requestId: string, response: SandboxResponse): void {
  const headers: Record<string, string> = {
    'x-amz-request-id': requestId,
    'x-amz-id-2': hostId(requestId),
    server: 'AmazonS3',
    ...response.headers,
  };
  const body = response.body === undefined ? undefined : Buffer.from(response.body);
  if (method !== 'HEAD' && response.status !== 204 && response.status !== 304) {
    headers['content-length'] = String(body?.length ?? 0);
  }
  res.writeHead(response.status, headers);
  res.end(method === 'HEAD' ? undefined : body);
}

interface ControlDeps {
  s3: S3Store;
  counters: RequestCounters;
  faults: Faults;
}

interface SeedRequest {
  bucket?: string;
  versioning?: 'Enabled' | 'Suspended';
  versions?: Array<
    Omit<SeedVersion, 'body' | 'lastModified'> & { body?: string; bodyBase64?: string; lastModified?: string }
  >;
}

/**
 * JSON routes for out-of-process users (the `ssec sandbox` command, a benchmark in another
 * process). They are unauthenticated: the sandbox listens on loopback only by default.
 */
function controlRoutes(deps: ControlDeps) {
  const json = (status: number, value: unknown): SandboxResponse => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  });
  return (method: string, path: string, body: Buffer): SandboxResponse => {
    let input: Record<string, unknown> = {};
    try {
      if (body.length > 0) input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return json(400, { error: 'body must be JSON' });
    }
    const route = `${method} ${path.replace(/\/$/, '')}`;
    switch (route) {
      case 'GET /_sandbox/health':
        return json(200, { ok: true });
      case 'GET /_sandbox/counters':
        return json(200, {
          counts: deps.counters.snapshot(),
          total: deps.counters.total(),
          throttled: deps.counters.throttled(),
        });
      case 'POST /_sandbox/counters/reset':
        deps.counters.reset();
        return json(200, { ok: true });
      case 'GET /_sandbox/faults':
        return json(200, deps.faults);
      case 'POST /_sandbox/faults': {
        const { latencyMs, slowDownRate } = input as Partial<Faults>;
        if (typeof latencyMs === 'number') deps.faults.latencyMs = Math.max(0, latencyMs);
        if (typeof slowDownRate === 'number')
          deps.faults.slowDownRate = Math.min(1, Math.max(0, slowDownRate));
        return json(200, deps.faults);
      }
      case 'POST /_sandbox/s3/seed':
        return seed(deps.s3, input as SeedRequest, json);
      case 'GET /_sandbox/s3/stats':
        return json(200, deps.s3.stats());
      default:
        return json(404, { error: `no sandbox control route ${route}` });
    }
  };
}

function seed(
  s3: S3Store,
  input: SeedRequest,
  json: (status: number, value: unknown) => SandboxResponse,
): SandboxResponse {
  if (typeof input.bucket !== 'string') return json(400, { error: 'bucket is required' });
  try {
    if (!s3.bucketExists(input.bucket)) {
      s3.createBucket(input.bucket, input.versioning ? { versioning: input.versioning } : {});
    } else if (input.versioning) {
      s3.setVersioning(input.bucket, input.versioning);
    }
    const versionIds = s3.seed(
      input.bucket,
      (input.versions ?? []).map(({ body, bodyBase64, lastModified, ...rest }) => ({
        ...rest,
        ...(body !== undefined ? { body: Buffer.from(body, 'utf8') } : {}),
        ...(bodyBase64 !== undefined ? { body: Buffer.from(bodyBase64, 'base64') } : {}),
        ...(lastModified !== undefined ? { lastModified: new Date(lastModified) } : {}),
      })),
    );
    return json(200, { versionIds });
  } catch (error) {
    return json(400, { error: error instanceof Error ? error.message : String(error) });
  }
}
