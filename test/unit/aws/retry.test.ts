import { describe, expect, it } from 'vitest';
import { isRetryable } from '../../../src/aws/aws-errors.ts';
import {
  AbortedError,
  backoffDelay,
  isThrottling,
  isTransient,
  RESTORE_RETRY,
  sleep,
  withRetry,
} from '../../../src/aws/retry.ts';

const awsError = (status: number, name: string) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

const slowDown = () =>
  Object.assign(new Error('Please reduce your request rate.'), {
    name: 'SlowDown',
    $metadata: { httpStatusCode: 503 },
  });

/** Fails with `error()` for the first `failures` calls, then answers 'ok'. */
function failing(failures: number, error: (call: number) => unknown) {
  const state = { calls: 0 };
  const fn = async () => {
    state.calls++;
    if (state.calls <= failures) throw error(state.calls);
    return 'ok';
  };
  return { fn, state };
}

describe('error classification', () => {
  it('classifies throttling and transient errors by status and name', () => {
    expect(isThrottling(slowDown())).toBe(true);
    expect(isThrottling({ name: 'Unknown', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isThrottling({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(isTransient({ name: 'InternalError', $metadata: { httpStatusCode: 500 } })).toBe(true);
    expect(isTransient(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient({ name: 'Unknown', $metadata: { httpStatusCode: 400 } })).toBe(false);
  });

  it('classifies restore errors by HTTP status, the HEAD case included (no body, name Unknown)', () => {
    expect(isRetryable(awsError(503, 'Unknown'))).toBe(true);
    expect(isRetryable(awsError(400, 'Unknown'))).toBe(false);
    expect(isRetryable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
  });
});

describe('backoffDelay', () => {
  it('uses full jitter under an exponential ceiling', () => {
    expect(backoffDelay(1, { baseDelayMs: 100, random: () => 1 })).toBe(100);
    expect(backoffDelay(4, { baseDelayMs: 100, random: () => 1 })).toBe(800);
    expect(backoffDelay(30, { baseDelayMs: 100, maxDelayMs: 5000, random: () => 1 })).toBe(5000);
    expect(backoffDelay(4, { baseDelayMs: 100, random: () => 0 })).toBe(0);
    expect(backoffDelay(40, { baseDelayMs: 100, maxDelayMs: 5000, random: () => 0.5 })).toBe(2500);
  });
});

describe('withRetry', () => {
  it('keeps retrying throttling far past any fixed attempt count', async () => {
    const delays: number[] = [];
    const { fn, state } = failing(29, slowDown);
    const out = await withRetry(fn, {
      baseDelayMs: 1,
      maxDelayMs: 2,
      onRetry: (_e, _a, d) => delays.push(d),
    });
    expect(out).toBe('ok');
    expect(state.calls).toBe(30);
    expect(delays.every((d) => d >= 0 && d <= 2)).toBe(true);
  });

  it('retries throttling past maxTransientAttempts, which counts only the other failures', async () => {
    const { fn, state } = failing(10, slowDown);
    await expect(withRetry(fn, { baseDelayMs: 1, maxDelayMs: 1, maxTransientAttempts: 1 })).resolves.toBe(
      'ok',
    );
    expect(state.calls).toBe(11);

    // Five SlowDowns between two server errors: the second server error is the one that gives up.
    const internal = awsError(500, 'InternalError');
    const mixed = failing(Number.POSITIVE_INFINITY, (call) =>
      call === 1 || call === 7 ? internal : slowDown(),
    );
    await expect(
      withRetry(mixed.fn, { baseDelayMs: 1, maxDelayMs: 1, maxTransientAttempts: 2 }),
    ).rejects.toBe(internal);
    expect(mixed.state.calls).toBe(7);
  });

  it('gives up on other transient failures after the configured attempts, and at once on the rest', async () => {
    let calls = 0;
    const internal = { name: 'InternalError', $metadata: { httpStatusCode: 500 } };
    await expect(
      withRetry(
        async () => {
          calls++;
          throw internal;
        },
        { baseDelayMs: 1, maxTransientAttempts: 3 },
      ),
    ).rejects.toBe(internal);
    expect(calls).toBe(3);
    calls = 0;
    const denied = { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } };
    await expect(
      withRetry(async () => {
        calls++;
        throw denied;
      }),
    ).rejects.toBe(denied);
    expect(calls).toBe(1);
  });

  it('throws a non-retryable error at once, without a wait', async () => {
    for (const opts of [{}, RESTORE_RETRY]) {
      const bug = new TypeError('cannot read properties of undefined');
      const retries: number[] = [];
      const { fn, state } = failing(1, () => bug);
      await expect(withRetry(fn, { ...opts, onRetry: (_e, a) => retries.push(a) })).rejects.toBe(bug);
      expect(state.calls).toBe(1);
      expect(retries).toEqual([]);
    }
  });

  it('stops on maxAttempts even when throttled', async () => {
    for (const opts of [{}, RESTORE_RETRY]) {
      const { fn, state } = failing(Number.POSITIVE_INFINITY, slowDown);
      await expect(
        withRetry(fn, { ...opts, baseDelayMs: 1, maxDelayMs: 1, maxAttempts: 3 }),
      ).rejects.toMatchObject({ name: 'SlowDown' });
      expect(state.calls).toBe(3);
    }
  });

  it('stops waiting when aborted', async () => {
    const ac = new AbortController();
    const p = withRetry(
      async () => {
        throw slowDown();
      },
      { baseDelayMs: 10_000, maxDelayMs: 10_000, random: () => 1, signal: ac.signal },
    );
    setTimeout(() => ac.abort(), 5);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects with AbortedError when aborted during the back-off sleep, without another attempt', async () => {
    const ac = new AbortController();
    const { fn, state } = failing(Number.POSITIVE_INFINITY, slowDown);
    const started = Date.now();
    const p = withRetry(fn, {
      baseDelayMs: 60_000,
      maxDelayMs: 60_000,
      random: () => 1,
      signal: ac.signal,
      onRetry: () => setTimeout(() => ac.abort(), 5),
    });
    await expect(p).rejects.toBeInstanceOf(AbortedError);
    expect(state.calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('does not call fn once the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const { fn, state } = failing(0, slowDown);
    await expect(withRetry(fn, { signal: ac.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(state.calls).toBe(0);
  });
});

describe('withRetry with RESTORE_RETRY', () => {
  it('waits out SlowDown and server errors as long as it takes, with growing jittered delays', async () => {
    const delays: number[] = [];
    let calls = 0;
    const out = await withRetry(
      async () => {
        calls++;
        if (calls < 12) throw awsError(calls % 2 ? 503 : 500, calls % 2 ? 'SlowDown' : 'InternalError');
        return 'ok';
      },
      {
        ...RESTORE_RETRY,
        baseDelayMs: 1,
        maxDelayMs: 4,
        random: () => 0.99,
        onRetry: (_e, _a, d) => delays.push(d),
      },
    );
    expect(out).toBe('ok');
    expect(calls).toBe(12);
    expect(delays.slice(0, 3)).toEqual([0, 1, 3]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(4);
  });

  it('never gives up on server errors, where the default stops after maxTransientAttempts', async () => {
    const restore = failing(20, () => awsError(500, 'InternalError'));
    await expect(withRetry(restore.fn, { ...RESTORE_RETRY, baseDelayMs: 1, maxDelayMs: 1 })).resolves.toBe(
      'ok',
    );
    expect(restore.state.calls).toBe(21);
    const scan = failing(20, () => awsError(500, 'InternalError'));
    await expect(withRetry(scan.fn, { baseDelayMs: 1, maxDelayMs: 1 })).rejects.toMatchObject({
      name: 'InternalError',
    });
    expect(scan.state.calls).toBe(6);
  });

  it('retries what isRetryable says, not the scan’s wider transient set', async () => {
    const dns = () => Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    const restore = failing(1, dns);
    await expect(withRetry(restore.fn, { ...RESTORE_RETRY, baseDelayMs: 1 })).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });
    expect(restore.state.calls).toBe(1);
    const scan = failing(1, dns);
    await expect(withRetry(scan.fn, { baseDelayMs: 1 })).resolves.toBe('ok');
  });

  it('gives up at once on a verdict (4xx), and on abort', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw awsError(403, 'AccessDenied');
      }, RESTORE_RETRY),
    ).rejects.toThrow('AccessDenied');
    expect(calls).toBe(1);
    const controller = new AbortController();
    const pending = withRetry(
      async () => {
        throw awsError(503, 'SlowDown');
      },
      {
        ...RESTORE_RETRY,
        baseDelayMs: 10_000,
        maxDelayMs: 10_000,
        random: () => 1,
        signal: controller.signal,
      },
    );
    controller.abort();
    await expect(pending).rejects.toThrow('aborted');
  });
});

describe('sleep and AbortedError', () => {
  it('rejects a sleep with AbortedError when aborted, before or during the wait', async () => {
    const during = new AbortController();
    const p = sleep(60_000, during.signal);
    during.abort();
    await expect(p).rejects.toBeInstanceOf(AbortedError);
    await expect(sleep(60_000, AbortSignal.abort())).rejects.toBeInstanceOf(AbortedError);
    await expect(sleep(1, new AbortController().signal)).resolves.toBeUndefined();
  });

  it('is named AbortError, says "aborted" unless told otherwise', () => {
    expect(new AbortedError()).toMatchObject({ name: 'AbortError', message: 'aborted' });
    expect(new AbortedError('The assessment was stopped').message).toBe('The assessment was stopped');
  });
});
