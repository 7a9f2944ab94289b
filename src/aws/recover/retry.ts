import { isRetryable } from './aws-errors.ts';

export interface RetryOptions {
  signal?: AbortSignal | undefined;
  /** First back-off ceiling; doubles per attempt up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Stop after this many attempts (default: never, as a restore must not give up on SlowDown). */
  maxAttempts?: number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
}

export class AbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortError';
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
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

/** Full-jitter exponential back-off delay for the given 1-based attempt. */
export function backoffDelay(attempt: number, base: number, max: number, random: () => number): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt - 1, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Runs `fn` until it succeeds or fails for a reason retrying cannot fix. This sits outside the
 * SDK's own retries: when those are exhausted by a long SlowDown spell the run waits and goes on.
 */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const base = opts.baseDelayMs ?? 200;
  const max = opts.maxDelayMs ?? 20_000;
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw new AbortedError();
    try {
      return await fn();
    } catch (error) {
      if (opts.signal?.aborted) throw new AbortedError();
      if (!isRetryable(error) || (opts.maxAttempts !== undefined && attempt >= opts.maxAttempts)) throw error;
      const delay = backoffDelay(attempt, base, max, random);
      opts.onRetry?.(error, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}
