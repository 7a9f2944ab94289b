import { setMaxListeners } from 'node:events';
import { fromPromise } from 'xstate';
import type { Step, StepInputs, StepResults } from '../../workflows/types.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { type EffectFn, type EffectProgress, effectKey, type WorkflowEffects } from './effects.ts';

export interface LedgerDeps {
  store: Store;
  clock: () => Date;
  logger: Logger;
  onProgress?: (incidentId: number, step: Step, progress: EffectProgress) => void;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 1000);

/**
 * Wraps one effect with the effects ledger. xstate re-runs an in-flight promise actor when a
 * snapshot is restored, so an attempt the ledger already saw succeed returns its stored result
 * instead of acting twice; an attempt left `started` by a crash runs again (implementations are
 * idempotent and read the real state first).
 */
export function ledgered<S extends Step>(step: S, fn: EffectFn<S>, deps: LedgerDeps) {
  const { store, clock, logger } = deps;
  return async (input: StepInputs[S], signal: AbortSignal): Promise<StepResults[S]> => {
    // Long effects hand this one signal to every concurrent request and back-off sleep; dozens of
    // listeners at once are expected, not a leak, so Node's warning past 10 is switched off.
    setMaxListeners(0, signal);
    // The invoking snapshot is persisted synchronously right after xstate starts this actor; yielding
    // once means nothing is recorded or done for a step the database does not yet know is running.
    await Promise.resolve();
    const key = effectKey(input.incidentId, step, input.attempt);
    const record = store.effects.begin(key, step, input.incidentId, clock());
    if (record.status === 'succeeded') {
      logger.info(
        { incidentId: input.incidentId, step, key },
        'effect already succeeded; replaying its result',
      );
      return record.result as StepResults[S];
    }
    const log = logger.child({ incidentId: input.incidentId, step, key, attempts: record.attempts });
    log.info('effect started');
    try {
      const result = await fn(input, {
        incidentId: input.incidentId,
        step,
        attempt: input.attempt,
        idempotencyKey: key,
        signal,
        progress: (p) => {
          try {
            deps.onProgress?.(input.incidentId, step, p);
          } catch (err) {
            log.warn({ err }, 'progress listener failed');
          }
        },
        saveBeforeState: (state) => store.effects.saveBeforeState(key, state),
        beforeState: (s, attempt) => store.effects.get(effectKey(input.incidentId, s, attempt))?.beforeState,
      });
      try {
        store.effects.succeed(key, result, clock());
      } catch (err) {
        // After a shutdown the store may be closed; the outcome happened, the re-run will find it.
        if (!signal.aborted) throw err;
      }
      log.info('effect succeeded');
      return result;
    } catch (err) {
      // An abandoned attempt stays `started`, which is what it is: it re-runs on the next start.
      if (!signal.aborted) {
        store.effects.fail(key, message(err), clock());
        log.warn({ err: message(err) }, 'effect failed');
      }
      throw err;
    }
  };
}

/** The machine's actors, implemented by `effects` behind the ledger; pass to `incidentMachine.provide`. */
export function ledgeredActors(effects: WorkflowEffects, deps: LedgerDeps) {
  const actor = <S extends Step>(step: S, fn: EffectFn<S>) => {
    const run = ledgered(step, fn, deps);
    return fromPromise<StepResults[S], StepInputs[S]>(({ input, signal }) => run(input, signal));
  };
  return {
    contain: actor('contain', (i, c) => effects.contain(i, c)),
    rollbackContainment: actor('rollback', (i, c) => effects.rollbackContainment(i, c)),
    assess: actor('assess', (i, c) => effects.assess(i, c)),
    recover: actor('recover', (i, c) => effects.recover(i, c)),
    verify: actor('verify', (i, c) => effects.verify(i, c)),
  };
}
