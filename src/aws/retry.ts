// The SDK retries throttling a few times and then gives up (its retry quota drains fast when one
// request in five answers 503). An assessment or a restore must never end on SlowDown, so every S3
// call goes through this outer loop as well: exponential backoff with full jitter, unbounded for
// throttling, and bounded or not for other transient failures as the caller says.

import { httpStatusOf, isRetryable } from './aws-errors.ts';

export interface RetryOptions {
  signal?: AbortSignal | undefined;
  /** First back-off ceiling; doubles per attempt up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Stop after this many attempts whatever the error, throttling included (default: never). */
  maxAttempts?: number;
  /**
   * Give up on the Nth retryable failure that is not throttling (5xx, dropped connections); default 6.
   * Throttling never counts towards it: only `maxAttempts` ends a wait on SlowDown.
   */
  maxTransientAttempts?: number;
  /** Which errors are worth another attempt (default: throttling or transient). */
  retryable?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
}

/**
 * A restore waits out anything `isRetryable` for as long as it takes: giving up halfway leaves a
 * bucket half restored, while waiting costs only time, and the responder can always stop the run.
 */
export const RESTORE_RETRY = {
  retryable: isRetryable,
  maxTransientAttempts: Number.POSITIVE_INFINITY,
} as const satisfies RetryOptions;

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
  constructor(message = 'aborted') {
    super(message);
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
export function backoffDelay(
  attempt: number,
  opts: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'> = {},
): number {
  const base = opts.baseDelayMs ?? 200;
  const cap = opts.maxDelayMs ?? 20_000;
  // The exponent is capped too, so that a huge attempt count cannot turn the ceiling into NaN.
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt - 1, 30));
  return Math.floor((opts.random ?? Math.random)() * ceiling);
}

/**
 * Runs `fn` until it succeeds or fails for a reason retrying cannot fix. This sits outside the
 * SDK's own retries: when those are exhausted by a long SlowDown spell the run waits and goes on.
 */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const retryable = opts.retryable ?? ((error: unknown) => isThrottling(error) || isTransient(error));
  const maxTransient = opts.maxTransientAttempts ?? 6;
  const maxAttempts = opts.maxAttempts ?? Number.POSITIVE_INFINITY;
  let transientFailures = 0;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(opts.signal);
    try {
      return await fn();
    } catch (error) {
      if (opts.signal?.aborted) throw new AbortedError();
      if (!retryable(error)) throw error;
      if (!isThrottling(error) && ++transientFailures >= maxTransient) throw error;
      if (attempt >= maxAttempts) throw error;
      const delay = backoffDelay(attempt, opts);
      opts.onRetry?.(error, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}
