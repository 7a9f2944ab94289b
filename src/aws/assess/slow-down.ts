// The SDK retries throttling a few times and then gives up (its retry quota drains fast when one
// request in five answers 503). A scan must never end on SlowDown, so every S3 call of the scan
// goes through this outer loop: exponential backoff with full jitter, unbounded for throttling,
// bounded for other transient failures.

export interface RetryOptions {
  signal?: AbortSignal | undefined;
  baseMs?: number;
  maxDelayMs?: number;
  /** Outer attempts for non-throttling transient failures (5xx, dropped connections). */
  maxTransientAttempts?: number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
}

const THROTTLING_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'SlowDownRead',
  'SlowDownWrite',
]);

const TRANSIENT_NAMES = new Set([
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

export function httpStatusOf(error: unknown): number | undefined {
  return (error as AwsLikeError | undefined)?.$metadata?.httpStatusCode;
}

export function isThrottling(error: unknown): boolean {
  const e = error as AwsLikeError | undefined;
  if (!e || typeof e !== 'object') return false;
  const status = httpStatusOf(e);
  return (
    status === 503 ||
    status === 429 ||
    THROTTLING_NAMES.has(e.name ?? '') ||
    THROTTLING_NAMES.has(e.code ?? '') ||
    e.$retryable?.throttling === true
  );
}

export function isTransient(error: unknown): boolean {
  const e = error as AwsLikeError | undefined;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'AbortError') return false;
  const status = httpStatusOf(e);
  if (status !== undefined && status >= 500) return true;
  return TRANSIENT_NAMES.has(e.name ?? '') || NETWORK_CODES.has(e.code ?? '');
}

export class AbortedError extends Error {
  constructor() {
    super('The assessment was stopped');
    this.name = 'AbortError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError();
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Delay before outer attempt `attempt` (1-based): full jitter over a capped exponential. */
export function backoffDelay(attempt: number, opts: RetryOptions = {}): number {
  const base = opts.baseMs ?? 200;
  const cap = opts.maxDelayMs ?? 20_000;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt - 1, 20));
  return Math.round((opts.random ?? Math.random)() * ceiling);
}

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const maxTransient = opts.maxTransientAttempts ?? 6;
  let transientFailures = 0;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(opts.signal);
    try {
      return await fn();
    } catch (error) {
      if (opts.signal?.aborted) throw new AbortedError();
      const throttled = isThrottling(error);
      if (!throttled) {
        if (!isTransient(error)) throw error;
        transientFailures++;
        if (transientFailures >= maxTransient) throw error;
      }
      const delay = backoffDelay(attempt, opts);
      opts.onRetry?.(error, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}
