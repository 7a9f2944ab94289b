// The AWS query protocol shared by IAM and STS: a form-encoded `Action=...&Version=...` request,
// answered by `<{Action}Response><{Action}Result>...` or an `<ErrorResponse>`, exactly the shapes
// the SDK's AwsQueryProtocol deserializer reads.

import type { Authorization, IamBackend, SandboxRequest, SandboxResponse } from './types.ts';
import { escapeXml, XML_DECLARATION } from './xml.ts';

export class QueryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

export interface QueryCall {
  action: string;
  params: URLSearchParams;
  req: SandboxRequest;
  /** The successful attribution of the caller's key. */
  caller: Extract<Authorization, { ok: true }>;
}

/** Returns the inner XML of `<{Action}Result>`, or undefined for actions with an empty result. */
export type QueryAction = (call: QueryCall) => string | undefined;

export interface QueryServiceOptions {
  namespace: string;
  /** Service name recorded for `GetAccessKeyLastUsed`, e.g. `iam`. */
  service: string;
  iam: IamBackend;
  actions: Record<string, QueryAction>;
  /** Lets IAM name the action in its AccessDenied message, as AWS does. */
  authorize?: (accessKeyId: string | undefined, action: string) => Authorization;
  now: () => Date;
}

/** Form body and query string together: the SDK posts a form, curl users often send GET. */
export function queryParams(req: SandboxRequest): URLSearchParams {
  const params = new URLSearchParams(req.query);
  const contentType = req.headers['content-type'] ?? '';
  if (req.body.length > 0 && (contentType === '' || contentType.includes('x-www-form-urlencoded'))) {
    for (const [name, value] of new URLSearchParams(req.body.toString('utf8'))) params.append(name, value);
  }
  return params;
}

export function createQueryHandler(opts: QueryServiceOptions) {
  return (req: SandboxRequest): SandboxResponse => {
    const params = queryParams(req);
    const action = params.get('Action');
    try {
      if (!action) throw new QueryError(400, 'MissingAction', 'Missing Action');
      const auth = opts.authorize
        ? opts.authorize(req.accessKeyId, action)
        : opts.iam.authorize(req.accessKeyId);
      if (!auth.ok) throw queryAuthError(auth, req.accessKeyId);
      const handler = opts.actions[action];
      if (!handler)
        throw new QueryError(400, 'InvalidAction', `Could not find operation ${action} for version`);
      const result = handler({ action, params, req, caller: auth });
      opts.iam.recordUse(auth.accessKeyId, opts.service, req.region, opts.now());
      return queryResponse(opts.namespace, action, result, req.requestId);
    } catch (error) {
      if (error instanceof QueryError) return queryErrorResponse(opts.namespace, error, req.requestId);
      throw error;
    }
  };
}

/**
 * IAM and STS name a refused key `InvalidClientTokenId` (IAM API Reference, Common Errors: "The X.509
 * certificate or AWS access key ID provided does not exist in our records", 403), where S3 says
 * `InvalidAccessKeyId`; an unsigned request is `MissingAuthenticationToken`.
 */
export function queryAuthError(
  auth: Extract<Authorization, { ok: false }>,
  accessKeyId: string | undefined,
): QueryError {
  if (accessKeyId === undefined) {
    return new QueryError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  }
  if (auth.code === 'InvalidAccessKeyId') {
    return new QueryError(
      403,
      'InvalidClientTokenId',
      'The security token included in the request is invalid.',
    );
  }
  return new QueryError(403, auth.code, auth.message);
}

export function queryResponse(
  namespace: string,
  action: string,
  result: string | undefined,
  requestId: string,
): SandboxResponse {
  const resultXml = result === undefined ? '' : `<${action}Result>${result}</${action}Result>`;
  const body = `${XML_DECLARATION}<${action}Response xmlns="${namespace}">${resultXml}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

export function queryErrorResponse(namespace: string, error: QueryError, requestId: string): SandboxResponse {
  const body = `${XML_DECLARATION}<ErrorResponse xmlns="${namespace}"><Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body,
  };
}

export function requiredParam(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') {
    throw new QueryError(
      400,
      'ValidationError',
      `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

export function optionalParam(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === '' ? undefined : value;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Query-protocol lists: `<name><member>...</member></name>`. */
export function memberList<T>(name: string, items: readonly T[], render: (item: T) => string): string {
  return `<${name}>${items.map((item) => `<member>${render(item)}</member>`).join('')}</${name}>`;
}

/** IAM's timestamps are ISO 8601 without milliseconds, e.g. `2015-03-09T18:39:23Z`. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * IAM's list pagination: `Marker` is opaque to callers; here it is the index of the next item.
 * Returns the page and the XML tail (`IsTruncated`, `Marker`) every IAM list result ends with.
 */
export function paginate<T>(items: readonly T[], params: URLSearchParams): { page: T[]; tail: string } {
  const maxItems = Number(optionalParam(params, 'MaxItems') ?? '100');
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 1000) {
    throw new QueryError(400, 'ValidationError', 'MaxItems must be between 1 and 1000');
  }
  const marker = optionalParam(params, 'Marker');
  const start = marker === undefined ? 0 : Number.parseInt(marker, 10);
  if (!Number.isInteger(start) || start < 0) throw new QueryError(400, 'ValidationError', 'Invalid Marker');
  const page = items.slice(start, start + maxItems);
  const next = start + maxItems;
  const tail =
    next < items.length
      ? `<IsTruncated>true</IsTruncated><Marker>${next}</Marker>`
      : '<IsTruncated>false</IsTruncated>';
  return { page, tail };
}
