// One progress message per running step, edited as the effect reports progress. Edits to one
// message are spaced at least `intervalMs` apart (chat.update is rate-limited per method; one edit a
// second keeps well inside it) and only the latest numbers are ever sent.

import type { Step } from '../../workflows/types.ts';
import type { Message } from './blocks/kit.ts';
import type { ProgressState } from './blocks/progress.ts';

export interface ProgressSnapshot {
  step: Step;
  attempt: number | null;
  state: ProgressState;
  progress: Record<string, unknown>;
  startedAt: Date;
}

export interface ProgressSink {
  /** Posts the message; returns its ts (undefined when it could not be posted). */
  post(incidentId: number, message: Message): Promise<string | undefined>;
  update(incidentId: number, ts: string, message: Message): Promise<void>;
  /** Runs `task` in the incident's serial queue. */
  enqueue(incidentId: number, task: () => Promise<void>): Promise<void>;
  render(incidentId: number, snapshot: ProgressSnapshot): Message;
  /** Remembers where the message is, so a restarted bot keeps editing it. */
  saveRef(incidentId: number, step: Step, ref: SavedProgressRef): void;
  loadRef(incidentId: number, step: Step): SavedProgressRef | undefined;
}

export interface SavedProgressRef {
  ts: string;
  attempt: number | null;
  startedAt: Date;
  finished: boolean;
}

interface Tracker extends ProgressSnapshot {
  incidentId: number;
  ts: string | undefined;
  posting: boolean;
  lastSentAt: number;
  dirty: boolean;
  timer: NodeJS.Timeout | undefined;
  /** Settles the `idle()` promise of the pending timer. */
  release: (() => void) | undefined;
  finished: boolean;
}

export interface ProgressReporter {
  started(incidentId: number, step: Step, attempt: number): Promise<void>;
  progress(incidentId: number, step: Step, progress: Record<string, unknown>): void;
  finished(incidentId: number, step: Step, state: 'succeeded' | 'failed'): Promise<void>;
  /** Resolves when no edit is waiting for its turn. */
  idle(): Promise<void>;
  stop(): void;
}

export function createProgressReporter(opts: {
  sink: ProgressSink;
  intervalMs: number;
  /** The incident clock, for what the message says (start time, elapsed). */
  now: () => Date;
  /** Real elapsed time for the spacing between edits: Slack's rate limits run on the wall clock, not a test's. */
  monotonic?: () => number;
}): ProgressReporter {
  const { sink, intervalMs } = opts;
  const tick = opts.monotonic ?? (() => performance.now());
  const trackers = new Map<string, Tracker>();
  const key = (incidentId: number, step: Step) => `${incidentId}:${step}`;

  function create(incidentId: number, step: Step, attempt: number | null): Tracker {
    const t: Tracker = {
      incidentId,
      step,
      attempt,
      state: 'running',
      progress: {},
      startedAt: opts.now(),
      ts: undefined,
      posting: false,
      lastSentAt: Number.NEGATIVE_INFINITY,
      dirty: false,
      timer: undefined,
      release: undefined,
      finished: false,
    };
    // After a restart, keep editing the message the step already has.
    const saved = sink.loadRef(incidentId, step);
    if (
      saved &&
      !saved.finished &&
      (attempt === null || saved.attempt === null || saved.attempt === attempt)
    ) {
      t.ts = saved.ts;
      t.startedAt = saved.startedAt;
      t.attempt = attempt ?? saved.attempt;
    }
    trackers.set(key(incidentId, step), t);
    return t;
  }

  const snapshotOf = (t: Tracker): ProgressSnapshot => ({
    step: t.step,
    attempt: t.attempt,
    state: t.state,
    progress: { ...t.progress },
    startedAt: t.startedAt,
  });

  /** Sends the tracker's latest state now (inside the incident's queue). */
  async function send(t: Tracker): Promise<void> {
    t.dirty = false;
    t.lastSentAt = tick();
    const message = sink.render(t.incidentId, snapshotOf(t));
    if (t.ts === undefined) {
      t.ts = await sink.post(t.incidentId, message);
    } else {
      await sink.update(t.incidentId, t.ts, message);
    }
    if (t.ts !== undefined) {
      sink.saveRef(t.incidentId, t.step, {
        ts: t.ts,
        attempt: t.attempt,
        startedAt: t.startedAt,
        finished: t.finished,
      });
    }
  }

  // Deferred edits not yet sent, so `idle()` can wait for the last word of every step.
  const pending = new Set<Promise<void>>();

  function schedule(t: Tracker): void {
    if (t.timer) return;
    const wait = Math.max(0, t.lastSentAt + intervalMs - tick());
    let done: () => void = () => {};
    const settled = new Promise<void>((resolve) => {
      done = resolve;
    });
    pending.add(settled);
    void settled.then(() => pending.delete(settled));
    t.release = done;
    t.timer = setTimeout(() => {
      t.timer = undefined;
      t.release = undefined;
      if (!t.dirty) return done();
      void sink
        .enqueue(t.incidentId, async () => {
          // Another send may have happened while this waited in the queue; respect the spacing.
          if (tick() - t.lastSentAt < intervalMs) {
            schedule(t);
            return;
          }
          if (t.dirty) await send(t);
        })
        .finally(done);
    }, wait);
    t.timer.unref?.();
  }

  function cancelTimer(t: Tracker): void {
    if (t.timer) clearTimeout(t.timer);
    t.timer = undefined;
    t.release?.();
    t.release = undefined;
  }

  return {
    async started(incidentId, step, attempt) {
      const existing = trackers.get(key(incidentId, step));
      // Progress may have arrived before the start was announced: keep that message. A finished
      // tracker keeps its own timer, so its last edit still lands on the old message.
      const reuse = existing && !existing.finished && existing.attempt === null;
      if (reuse) cancelTimer(existing);
      const t = reuse ? existing : create(incidentId, step, attempt);
      t.attempt = attempt;
      await send(t);
    },

    progress(incidentId, step, progress) {
      let t = trackers.get(key(incidentId, step));
      if (!t || t.finished) t = create(incidentId, step, null);
      t.progress = { ...t.progress, ...progress };
      t.dirty = true;
      const tracker = t;
      if (tracker.ts === undefined && !tracker.posting) {
        tracker.posting = true;
        void sink.enqueue(incidentId, async () => {
          tracker.posting = false;
          if (tracker.ts === undefined && !tracker.finished) await send(tracker);
        });
        return;
      }
      schedule(tracker);
    },

    async finished(incidentId, step, state) {
      const t = trackers.get(key(incidentId, step));
      if (!t || t.finished) return;
      t.finished = true;
      t.state = state;
      t.dirty = true;
      // Too soon after the last edit: the final state goes out when the interval allows, without
      // holding up the incident's other messages meanwhile.
      if (t.ts !== undefined && tick() - t.lastSentAt < intervalMs) {
        schedule(t);
        return;
      }
      cancelTimer(t);
      await send(t);
    },

    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },

    stop() {
      for (const t of trackers.values()) cancelTimer(t);
      trackers.clear();
    },
  };
}
