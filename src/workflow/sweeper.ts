import type { IncidentEvent } from '../../workflows/types.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { EXPIRE_KIND, REMIND_KIND } from './deadline-sync.ts';

export type DeadlineEvent = Extract<IncidentEvent, { type: 'EXPIRE' | 'REMIND' }>;

export interface SweeperOptions {
  store: Store;
  /** Delivers the event synchronously (the workflow persists inside the sweeper's transaction). */
  deliver: (incidentId: number, event: DeadlineEvent) => void;
  clock: () => Date;
  logger: Logger;
  intervalMs: number;
}

export interface Sweeper {
  /** Fires every deadline due at `now`; returns how many it fired. */
  sweep(now?: Date): number;
  start(): void;
  stop(): void;
}

/**
 * Fires deadlines kept in SQLite (xstate `after` timers do not survive a restart). Marking a
 * deadline fired and delivering its event share one transaction, so a crash can neither lose the
 * event nor deliver it twice, and two sweeps cannot both fire it.
 */
export function createSweeper(opts: SweeperOptions): Sweeper {
  const { store, logger } = opts;
  let timer: NodeJS.Timeout | undefined;

  function sweep(now = opts.clock()): number {
    let fired = 0;
    for (const deadline of store.deadlines.due(now)) {
      const approvalId = deadline.payload.approvalId;
      const type = deadline.kind === EXPIRE_KIND ? 'EXPIRE' : deadline.kind === REMIND_KIND ? 'REMIND' : null;
      try {
        store.transaction(() => {
          if (!store.deadlines.markFired(deadline.id, now)) return;
          fired++;
          if (type === null || typeof approvalId !== 'string') {
            logger.warn(
              { deadline: deadline.dedupKey, kind: deadline.kind },
              'deadline of unknown kind dropped',
            );
            return;
          }
          opts.deliver(deadline.incidentId, { type, approvalId, at: now.toISOString() });
        });
      } catch (err) {
        // One bad deadline must not stop the others; it stays pending and is tried next sweep.
        logger.error({ err, deadline: deadline.dedupKey }, 'deadline could not be fired');
      }
    }
    return fired;
  }

  return {
    sweep,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        try {
          sweep();
        } catch (err) {
          logger.error({ err }, 'deadline sweep failed');
        }
      }, opts.intervalMs);
      // The HTTP server keeps the bot alive; the sweeper alone must not keep a process (or test) running.
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
