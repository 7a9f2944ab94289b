import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createProgressReporter,
  type ProgressSnapshot,
  type SavedProgressRef,
} from '../../../src/slack/progress-reporter.ts';

interface Sent {
  at: number;
  kind: 'post' | 'update';
  ts: string;
  snapshot: ProgressSnapshot;
}

function harness(intervalMs = 1000, monotonic: () => number = () => Date.now()) {
  const sent: Sent[] = [];
  const refs = new Map<string, SavedProgressRef>();
  let chain = Promise.resolve();
  let seq = 0;
  let last: ProgressSnapshot | undefined;
  const reporter = createProgressReporter({
    intervalMs,
    now: () => new Date(),
    monotonic,
    sink: {
      enqueue: (_id, task) => {
        const run = chain.then(task);
        chain = run.catch(() => {});
        return run;
      },
      async post() {
        seq++;
        sent.push({ at: Date.now(), kind: 'post', ts: `ts-${seq}`, snapshot: last! });
        return `ts-${seq}`;
      },
      async update(_id, ts) {
        sent.push({ at: Date.now(), kind: 'update', ts, snapshot: last! });
      },
      render(_id, snapshot) {
        last = snapshot;
        return { text: snapshot.state, blocks: [] };
      },
      saveRef: (id, step, ref) => refs.set(`${id}:${step}`, ref),
      loadRef: (id, step) => refs.get(`${id}:${step}`),
    },
  });
  return { reporter, sent, refs };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-02T12:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('progress reporter', () => {
  it('keeps one message per step and edits it at most once per interval, ending on the latest numbers', async () => {
    const { reporter, sent } = harness();
    await reporter.started(1, 'recover', 1);
    for (let done = 1; done <= 1000; done++) {
      reporter.progress(1, 'recover', { done, total: 1000 });
      await vi.advanceTimersByTimeAsync(5);
    }
    await vi.advanceTimersByTimeAsync(1000);
    await reporter.idle();
    expect(sent.filter((s) => s.kind === 'post')).toHaveLength(1);
    expect(new Set(sent.map((s) => s.ts))).toEqual(new Set(['ts-1']));
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(1000);
    // 5 s of progress: the start, about one edit a second, nothing more.
    expect(sent.length).toBeGreaterThanOrEqual(5);
    expect(sent.length).toBeLessThanOrEqual(7);
    expect(sent.at(-1)!.snapshot.progress).toEqual({ done: 1000, total: 1000 });
  });

  it('a step that ends at once shows its end an interval later, without holding anything up', async () => {
    const { reporter, sent } = harness();
    await reporter.started(1, 'contain', 1);
    const finishing = reporter.finished(1, 'contain', 'succeeded');
    await finishing; // returns at once: the edit is deferred, not awaited
    expect(sent.map((s) => s.snapshot.state)).toEqual(['running']);
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await reporter.idle();
    expect(sent.map((s) => [s.kind, s.snapshot.state])).toEqual([
      ['post', 'running'],
      ['update', 'succeeded'],
    ]);
    expect(sent[1]!.at - sent[0]!.at).toBe(1000);
  });

  it('progress that arrives before the start is announced lands in the same message', async () => {
    const { reporter, sent } = harness();
    reporter.progress(1, 'assess', { done: 5 });
    await vi.advanceTimersByTimeAsync(0);
    await reporter.started(1, 'assess', 1);
    await vi.advanceTimersByTimeAsync(2000);
    await reporter.finished(1, 'assess', 'failed');
    await vi.advanceTimersByTimeAsync(2000);
    await reporter.idle();
    expect(new Set(sent.map((s) => s.ts)).size).toBe(1);
    expect(sent.at(-1)!.snapshot).toMatchObject({ state: 'failed', attempt: 1, progress: { done: 5 } });
  });

  it('idle() resolves when a waiting edit is overtaken by the final one', async () => {
    let mono = 0;
    const { reporter, sent } = harness(1000, () => mono);
    await reporter.started(1, 'verify', 1);
    mono = 500;
    reporter.progress(1, 'verify', { done: 1 }); // waits for its turn (a timer)
    mono = 2000; // the event loop was busy: the turn came, the timer has not run yet
    await reporter.finished(1, 'verify', 'succeeded');
    await reporter.idle();
    expect(sent.map((s) => s.snapshot.state)).toEqual(['running', 'succeeded']);
  });

  it('a retry gets its own message; after a restart the running step keeps its message', async () => {
    const a = harness();
    await a.reporter.started(1, 'recover', 1);
    await a.reporter.finished(1, 'recover', 'failed');
    await vi.advanceTimersByTimeAsync(1000);
    await a.reporter.started(1, 'recover', 2);
    await a.reporter.idle();
    expect([...new Set(a.sent.map((s) => s.ts))]).toEqual(['ts-1', 'ts-2']);

    // A new reporter (the bot restarted) finds the saved reference of the running attempt.
    const b = harness();
    b.refs.set('1:recover', { ts: 'ts-9', attempt: 2, startedAt: new Date(), finished: false });
    b.reporter.progress(1, 'recover', { done: 3 });
    await vi.advanceTimersByTimeAsync(1000);
    await b.reporter.idle();
    expect(b.sent.map((s) => [s.kind, s.ts])).toEqual([['update', 'ts-9']]);
  });
});
