import { createHash } from 'node:crypto';
import { type ParsedAlert, type ParseOptions, parseAlert } from '../alerts/index.ts';
import type { Clock } from '../context.ts';
import type { Logger } from '../logger.ts';
import type { StoredAlert } from '../store/alerts.ts';
import type { Incident } from '../store/incidents.ts';
import type { Store } from '../store/store.ts';
import { findCorrelatedIncident, mergeAlertIntoIncident, newIncidentFromAlert } from './correlate.ts';

export interface IncidentHooks {
  /** A new incident was created from an alert: start its workflow and open its Slack thread. */
  opened(incident: Incident, alert: ParsedAlert): Promise<void>;
  /** An alert joined an open incident (new buckets, keys or counts). */
  joined(
    incident: Incident,
    alert: ParsedAlert,
    added: { accessKeyIds: string[]; buckets: string[] },
  ): Promise<void>;
}

export interface AlertIntakeOptions {
  store: Store;
  logger: Logger;
  clock: Clock;
  hooks: IncidentHooks;
  parseOptions?: ParseOptions;
  correlationMs: number;
  lookbackMs: number;
  maxAttempts?: number;
  retryIntervalMs?: number;
}

export type AcceptOutcome =
  | { status: 'accepted'; alertId: number; duplicate: boolean }
  | { status: 'ignored'; alertId: number; reason: string; duplicate: boolean }
  | { status: 'invalid'; reason: string };

export interface AlertIntake {
  /** Stores the alert (raw) before anything else, then queues it for processing. */
  accept(route: string, raw: string, payload: unknown): AcceptOutcome;
  /** Processes every stored alert not yet processed (at start, and on a timer for retries). */
  drain(): Promise<void>;
  /** Resolves when the queue is empty (tests, shutdown). */
  idle(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

function fallbackKey(route: string, raw: string): string {
  return `${route}:sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

export function createAlertIntake(opts: AlertIntakeOptions): AlertIntake {
  const { store, logger, clock } = opts;
  const maxAttempts = opts.maxAttempts ?? 5;
  // One alert at a time: two alerts about the same key racing would otherwise open two incidents.
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function processOne(stored: StoredAlert): Promise<void> {
    const current = store.alerts.get(stored.id);
    if (!current || current.status === 'processed' || current.status === 'ignored') return;
    const parsed = parseAlert(JSON.parse(current.raw), opts.parseOptions);
    if (parsed.kind !== 'alert') {
      store.alerts.markIgnored(current.id, parsed.reason, clock());
      return;
    }
    const alert = parsed.alert;
    const existing = findCorrelatedIncident(alert, store.incidents.listOpen(), opts.correlationMs);
    if (existing) {
      const merge = mergeAlertIntoIncident(existing, alert, opts.lookbackMs);
      const updated = store.transaction(() => {
        const inc = store.incidents.update(existing.id, merge, clock());
        store.alerts.markProcessed(current.id, existing.id, clock());
        store.audit.append({
          incidentId: existing.id,
          actor: `alert:${alert.source}`,
          action: 'alert.joined',
          outcome: 'info',
          detail: { alertId: current.id, type: alert.type, added: merge.added, dedupKey: alert.dedupKey },
          awsRequestIds: alert.requestId ? [alert.requestId] : [],
          at: clock(),
        });
        return inc;
      });
      await notify(() => opts.hooks.joined(updated, alert, merge.added), updated.id);
      return;
    }
    const incident = store.transaction(() => {
      const inc = store.incidents.create(newIncidentFromAlert(alert, opts.lookbackMs), clock());
      store.alerts.markProcessed(current.id, inc.id, clock());
      store.audit.append({
        incidentId: inc.id,
        actor: `alert:${alert.source}`,
        action: 'incident.opened',
        outcome: 'info',
        detail: { alertId: current.id, type: alert.type, severity: alert.severity, dedupKey: alert.dedupKey },
        awsRequestIds: alert.requestId ? [alert.requestId] : [],
        at: clock(),
      });
      return inc;
    });
    await notify(() => opts.hooks.opened(incident, alert), incident.id);
  }

  // The alert is processed once the incident is committed. A failing hook (Slack down) must not
  // re-run correlation, which would then "join" the incident it just made: the hooks are
  // idempotent and the bot re-runs them for incidents that never got their thread.
  async function notify(hook: () => Promise<void>, incidentId: number): Promise<void> {
    try {
      await hook();
    } catch (error) {
      logger.error({ err: error, incidentId }, 'incident hook failed; it is retried by the thread sweeper');
    }
  }

  function enqueue(stored: StoredAlert): void {
    chain = chain.then(async () => {
      if (stopped) return;
      try {
        await processOne(stored);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        logger.error({ err: error, alertId: stored.id }, 'alert processing failed; it will be retried');
        store.alerts.markFailed(stored.id, reason.slice(0, 500));
      }
    });
  }

  return {
    accept(route, raw, payload) {
      const parsed = parseAlert(payload, opts.parseOptions);
      const id = (payload as { id?: unknown } | null)?.id;
      const dedupKey =
        parsed.kind === 'alert'
          ? parsed.alert.dedupKey
          : typeof id === 'string' && id
            ? `event:${id}`
            : fallbackKey(route, raw);
      const { alert: stored, duplicate } = store.alerts.accept({ dedupKey, route, raw }, clock());
      if (parsed.kind === 'invalid') {
        if (!duplicate) store.alerts.markIgnored(stored.id, `invalid: ${parsed.reason}`, clock());
        return { status: 'invalid', reason: parsed.reason };
      }
      if (parsed.kind === 'ignored') {
        if (!duplicate) store.alerts.markIgnored(stored.id, parsed.reason, clock());
        return { status: 'ignored', alertId: stored.id, reason: parsed.reason, duplicate };
      }
      if (!duplicate) enqueue(stored);
      return { status: 'accepted', alertId: stored.id, duplicate };
    },
    async drain() {
      for (const a of store.alerts.pending(maxAttempts)) enqueue(a);
      await chain;
    },
    idle: () => chain,
    start() {
      void this.drain();
      timer = setInterval(() => void this.drain(), opts.retryIntervalMs ?? 30_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await chain;
      stopped = true;
    },
  };
}
