import { afterEach, expect, test } from 'vitest';
import { silentLogger } from '../../../src/logger.ts';
import { createStore, type Store } from '../../../src/store/store.ts';
import { ledgered } from '../../../src/workflow/ledgered-effects.ts';
import type { AssessInput, AssessResult } from '../../../workflows/types.ts';
import { RESULTS, T0 } from '../../helpers/workflow.ts';
import { tempDbPath } from '../../helpers/workflow-runtime.ts';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function setup() {
  const store = createStore(tempDbPath());
  stores.push(store);
  const incident = store.incidents.create({
    title: 't',
    severity: 'high',
    buckets: ['b'],
    windowStart: new Date(T0),
  });
  const input: AssessInput = {
    incidentId: incident.id,
    attempt: 1,
    buckets: ['b'],
    accessKeyIds: [],
    windowStart: new Date(T0).toISOString(),
    windowEnd: null,
  };
  const calls: AssessInput[] = [];
  const progress: unknown[] = [];
  const make = (impl: (i: AssessInput) => Promise<AssessResult>) =>
    ledgered(
      'assess',
      async (i, ctx) => {
        calls.push(i);
        ctx.progress({ done: 1, total: 2 });
        return impl(i);
      },
      {
        store,
        clock: () => new Date(T0),
        logger: silentLogger(),
        onProgress: (...args) => progress.push(args),
      },
    );
  return { store, input, calls, progress, make, key: `${incident.id}:assess:1` };
}

test('records the attempt, then the result, under incidentId:step:attempt', async () => {
  const { store, input, calls, progress, make, key } = setup();
  const result = await make(async () => RESULTS.assess)(input, new AbortController().signal);
  expect(result).toEqual(RESULTS.assess);
  expect(calls).toHaveLength(1);
  expect(store.effects.get(key)).toMatchObject({
    kind: 'assess',
    status: 'succeeded',
    attempts: 1,
    result: RESULTS.assess,
  });
  expect(progress).toEqual([[input.incidentId, 'assess', { done: 1, total: 2 }]]);
});

test('touches the ledger only after yielding, so the invoking snapshot is saved first', async () => {
  const { store, input, make, key } = setup();
  const running = make(async () => RESULTS.assess)(input, new AbortController().signal);
  expect(store.effects.get(key)).toBeUndefined();
  await running;
  expect(store.effects.get(key)?.status).toBe('succeeded');
});

test('an attempt the ledger saw succeed returns the stored result without acting again', async () => {
  const { store, input, calls, make, key } = setup();
  store.effects.begin(key, 'assess', input.incidentId);
  store.effects.succeed(key, { ...RESULTS.assess, affected: 41 });
  const result = await make(async () => RESULTS.assess)(input, new AbortController().signal);
  expect(result.affected).toBe(41);
  expect(calls).toHaveLength(0);
  expect(store.effects.get(key)?.attempts).toBe(1);
});

test('an attempt left started by a crash runs again', async () => {
  const { store, input, calls, make, key } = setup();
  store.effects.begin(key, 'assess', input.incidentId);
  await make(async () => RESULTS.assess)(input, new AbortController().signal);
  expect(calls).toHaveLength(1);
  expect(store.effects.get(key)).toMatchObject({ status: 'succeeded', attempts: 2 });
});

test('a failure is recorded with its message and passed on', async () => {
  const { store, input, make, key } = setup();
  await expect(
    make(async () => {
      throw new Error('AccessDenied');
    })(input, new AbortController().signal),
  ).rejects.toThrow('AccessDenied');
  expect(store.effects.get(key)).toMatchObject({ status: 'failed', error: 'AccessDenied' });
});

test('an abandoned attempt (workflow stopped) stays started, to be re-run', async () => {
  const { store, input, make, key } = setup();
  const controller = new AbortController();
  const running = make(async () => {
    controller.abort();
    throw new Error('aborted');
  })(input, controller.signal);
  await expect(running).rejects.toThrow('aborted');
  expect(store.effects.get(key)).toMatchObject({ status: 'started', error: null });
});
