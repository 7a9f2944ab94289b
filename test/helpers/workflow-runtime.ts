import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/logger.ts';
import type { Incident } from '../../src/store/incidents.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import type { EffectContext, WorkflowEffects } from '../../src/workflow/effects.ts';
import {
  createWorkflowRuntime,
  type RuntimePolicy,
  type WorkflowRuntime,
} from '../../src/workflow/runtime.ts';
import type { IncidentSnapshot } from '../../workflows/incident-machine.ts';
import type { DryRunResult, IncidentEmitted, Step, StepInputs, StepResults } from '../../workflows/types.ts';
import { MIN, RESULTS, T0 } from './workflow.ts';

export const RUNTIME_POLICY: RuntimePolicy = {
  approvalsRequired: 1,
  twoPersonRule: true,
  approvalTtlMs: 60 * MIN,
  reminderMs: 15 * MIN,
};

export const tempDbPath = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ssec-')), 'ssec.db');

interface Call<S extends Step> {
  input: StepInputs[S];
  ctx: EffectContext;
  resolve: (r: StepResults[S]) => void;
  reject: (e: unknown) => void;
}

/** Effect implementations whose promises the test settles, as the runtime's `effects`. */
export function manualEffects() {
  const calls: { [S in Step]: Call<S>[] } = {
    contain: [],
    rollback: [],
    assess: [],
    recover: [],
    verify: [],
  };
  const dryRuns: { step: Step; input: unknown }[] = [];
  const fn =
    <S extends Step>(step: S) =>
    (input: StepInputs[S], ctx: EffectContext) =>
      new Promise<StepResults[S]>((resolve, reject) => {
        (calls[step] as Call<S>[]).push({ input, ctx, resolve, reject });
      });
  const effects: WorkflowEffects = {
    contain: fn('contain'),
    rollbackContainment: fn('rollback'),
    assess: fn('assess'),
    recover: fn('recover'),
    verify: fn('verify'),
    async dryRun(step, input): Promise<DryRunResult> {
      dryRuns.push({ step, input });
      return { step, summary: `would ${step}`, actions: [`${step} ${JSON.stringify(input)}`] };
    },
  };
  const last = <S extends Step>(step: S): Call<S> => {
    const list = calls[step] as Call<S>[];
    const c = list[list.length - 1];
    if (!c) throw new Error(`${step} was not called`);
    return c;
  };
  return { effects, calls, dryRuns, last };
}

/** Waits until `pred` holds, polling; the runtime's effects and listeners run asynchronously. */
export async function until(pred: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export interface Change {
  incidentId: number;
  snapshot: IncidentSnapshot;
  events: IncidentEmitted[];
  /** The snapshot revision in the database when the listener ran. */
  storedRevision: number | undefined;
}

export interface TestRuntime {
  store: Store;
  runtime: WorkflowRuntime;
  fx: ReturnType<typeof manualEffects>;
  changes: Change[];
  clock: { now: number };
  responders: Set<string>;
  newIncident(over?: Partial<Parameters<Store['incidents']['create']>[0]>): Incident;
  settle<S extends Step>(step: S, result?: StepResults[S]): Promise<void>;
  close(): Promise<void>;
}

export function testRuntime(
  opts: {
    dbPath?: string;
    now?: number;
    policy?: RuntimePolicy;
    isResponder?: (u: string) => Promise<boolean>;
  } = {},
): TestRuntime {
  const store = createStore(opts.dbPath ?? tempDbPath());
  const fx = manualEffects();
  const clock = { now: opts.now ?? T0 };
  const changes: Change[] = [];
  const responders = new Set(['U-ALICE', 'U-BOB', 'U-CAROL']);
  const runtime = createWorkflowRuntime({
    store,
    effects: fx.effects,
    clock: () => new Date(clock.now),
    logger: silentLogger(),
    isResponder: opts.isResponder ?? (async (u) => responders.has(u)),
    policy: opts.policy ?? RUNTIME_POLICY,
    sweepIntervalMs: 3_600_000,
    onChange: (incidentId, snapshot, events) => {
      changes.push({
        incidentId,
        snapshot,
        events,
        storedRevision: store.snapshots.load(incidentId)?.revision,
      });
    },
  });
  return {
    store,
    runtime,
    fx,
    changes,
    clock,
    responders,
    newIncident: (over = {}) =>
      store.incidents.create(
        {
          title: 'SSE-C re-encryption',
          severity: 'critical',
          buckets: ['victim-bucket'],
          accessKeyIds: ['AKIAEXAMPLE000000001'],
          windowStart: new Date(T0 - 60 * MIN),
          ...over,
        },
        new Date(clock.now),
      ),
    async settle(step, result) {
      const before = fx.calls[step].length;
      await until(() => fx.calls[step].length >= Math.max(before, 1), `${step} to be called`);
      const call = fx.last(step);
      const n = changes.length;
      call.resolve((result ?? RESULTS[step]) as never);
      await until(() => changes.length > n, `the result of ${step} to be recorded`);
    },
    async close() {
      await runtime.stop();
      store.close();
    },
  };
}
