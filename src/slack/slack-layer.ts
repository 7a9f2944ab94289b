// The Slack side of the bot, as the composition root sees it: listeners to register, the responder
// check the runtime needs, and the notifications the runtime and the alert intake send.

import type { App } from '@slack/bolt';
import type { IncidentSnapshot } from '../../workflows/incident-machine.ts';
import type { IncidentEmitted, Step } from '../../workflows/types.ts';
import type { Config } from '../config/config.ts';
import type { Clock } from '../context.ts';
import type { Logger } from '../logger.ts';
import type { Incident } from '../store/incidents.ts';
import type { Store } from '../store/store.ts';
import { registerActionListeners } from './actions.ts';
import { createCommandHandlers, type DeclareIncident } from './commands.ts';
import { registerHomeListener } from './home.ts';
import { createIncidentActions, type SlackRuntime } from './incident-actions.ts';
import { createIncidentNotifier, type WebClient } from './incident-notifier.ts';
import { createInteractionTracker } from './interactions.ts';
import { registerSlackListeners } from './listeners.ts';
import { createRespondersResolver, type RespondersResolver } from './responders.ts';
import { createUserNames } from './user-names.ts';
import { registerViewListeners } from './views.ts';

export interface SlackLayerDeps {
  client: WebClient;
  store: Store;
  config: Config;
  logger: Logger;
  clock: Clock;
  runtime: SlackRuntime;
  declareIncident: DeclareIncident;
  /** Built from `config.approvals.responders` when not given. */
  responders?: RespondersResolver;
  /** Least time between edits of a progress message (default 1000 ms: chat.update's rate tier). */
  progressIntervalMs?: number;
}

export interface SlackLayer {
  /** Every listener: `/ssec` subcommands, buttons, modals, App Home. */
  register(app: App): void;
  /** Configured responder ids plus members of configured user groups (cached). */
  isResponder(userId: string): Promise<boolean>;
  /** Posts the control panel and the first guided reply, pins the panel, stores channel and thread. Idempotent. */
  incidentOpened(incident: Incident, context?: { alertSummary?: string }): Promise<void>;
  /** The runtime's onChange: edits the panel, posts guided replies, approval requests, refusals, reminders. */
  incidentChanged(
    incidentId: number,
    snapshot: IncidentSnapshot | undefined,
    emitted: IncidentEmitted[],
  ): Promise<void>;
  /** The runtime's onProgress: one message per step, edited at most once per progress interval. */
  stepProgress(incidentId: number, step: Step, progress: object): void;
  /** Resolves when every queued Slack update has been sent (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

export function createSlackLayer(deps: SlackLayerDeps): SlackLayer {
  const logger = deps.logger.child({ component: 'slack' });
  const responders =
    deps.responders ??
    createRespondersResolver({ client: deps.client, responders: deps.config.approvals.responders, logger });
  const interactions = createInteractionTracker();
  const notifier = createIncidentNotifier({
    client: deps.client,
    store: deps.store,
    config: deps.config,
    logger,
    clock: deps.clock,
    runtime: deps.runtime,
    responders,
    interactions,
    ...(deps.progressIntervalMs !== undefined ? { progressIntervalMs: deps.progressIntervalMs } : {}),
  });
  const actions = createIncidentActions({
    store: deps.store,
    clock: deps.clock,
    logger,
    runtime: deps.runtime,
    notifier,
    responders,
    interactions,
    userNames: createUserNames(deps.client, logger),
  });
  const shared = { client: deps.client, store: deps.store, clock: deps.clock, logger };

  return {
    register(app) {
      registerSlackListeners(app, {
        logger,
        commands: createCommandHandlers({
          ...shared,
          config: deps.config,
          runtime: deps.runtime,
          notifier,
          responders,
          actions,
          declareIncident: deps.declareIncident,
        }),
      });
      registerActionListeners(app, { ...shared, runtime: deps.runtime, actions });
      registerViewListeners(app, {
        ...shared,
        notifier,
        responders,
        actions,
        declareIncident: deps.declareIncident,
      });
      registerHomeListener(app, {
        ...shared,
        config: deps.config,
        runtime: deps.runtime,
        notifier,
        responders,
      });
    },
    isResponder: (userId) => responders.isResponder(userId),
    incidentOpened: (incident, context) => notifier.incidentOpened(incident, context),
    incidentChanged: (incidentId, snapshot, emitted) =>
      notifier.incidentChanged(incidentId, snapshot, emitted),
    stepProgress: (incidentId, step, progress) => notifier.stepProgress(incidentId, step, progress),
    idle: () => notifier.idle(),
    stop: () => notifier.stop(),
  };
}
