// How the code reads an AWS SDK error. Decisions use the HTTP status (DESIGN.md §2: a HEAD error has
// no body, so the SDK names it `Unknown`), and the code only where the status is ambiguous.

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { statusCode?: number };
}

const shape = (error: unknown): SdkErrorShape =>
  typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};

export function httpStatusOf(error: unknown): number | undefined {
  const e = shape(error);
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
}

export function errorCodeOf(error: unknown): string | undefined {
  const e = shape(error);
  return e.Code ?? e.name ?? e.code;
}

const RETRYABLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** Worth trying again later: throttling, server errors and dropped connections; never 4xx verdicts. */
export function isRetryable(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  const code = errorCodeOf(error);
  if (code !== undefined && RETRYABLE_CODES.has(code)) return true;
  // A socket closed under a request reaches us with no response at all.
  return status === undefined && /socket hang up|ECONNRESET|EPIPE/i.test(shape(error).message ?? '');
}

/** `403 AccessDenied: message`, short enough for a SQLite column and a Slack line. */
export function describeAwsError(error: unknown): string {
  const status = httpStatusOf(error);
  const code = errorCodeOf(error);
  const message = shape(error).message ?? String(error);
  const head = [status, code && code !== 'Unknown' ? code : undefined].filter(Boolean).join(' ');
  const text = head ? `${head}: ${message}` : message;
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

/**
 * Whether an error names this missing thing (a configuration never set, an entity deleted): by its
 * code, never by 404 alone, since NoSuchBucket is a 404 too and must not read as "no policy".
 */
export function isNotFound(error: unknown, codes: readonly string[]): boolean {
  const code = errorCodeOf(error);
  return code !== undefined && codes.includes(code);
}
