import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { WebClient } from '@slack/web-api';
import { createCertificateFetcher, type FetchCertificate } from './alerts/index.ts';
import { type RunningApp, startApp } from './app.ts';
import {
  type AwsClientFactory,
  type AwsClientFactoryOptions,
  createAwsClientFactory,
} from './aws/clients.ts';
import type { Config } from './config/config.ts';
import { type AppContext, type ContextOverrides, createAppContext } from './context.ts';
import { createAwsEffects } from './effects/aws-effects.ts';
import { type AlertIntake, createAlertIntake } from './intake/alert-intake.ts';
import { eventBridgeRoute, snsRoute } from './receivers/alert-routes.ts';
import { createSlackLayer, type SlackLayer } from './slack/slack-layer.ts';
import type { Incident } from './store/incidents.ts';
import type { WorkflowEffects } from './workflow/effects.ts';
import { createWorkflowRuntime, type WorkflowRuntime } from './workflow/runtime.ts';

export interface BotOverrides extends ContextOverrides {
  /** AWS endpoint/credentials (tests, the drill); production uses the SDK's own chain. */
  aws?: AwsClientFactoryOptions;
  effects?: WorkflowEffects;
  port?: number;
  host?: string;
  fetchCertificate?: FetchCertificate;
  confirmSubscription?: (url: string) => Promise<void>;
  sweepIntervalMs?: number;
}

export interface RunningBot {
  url: string;
  port: number;
  ctx: AppContext;
  aws: AwsClientFactory;
  runtime: WorkflowRuntime;
  intake: AlertIntake;
  slack: SlackLayer;
  app: RunningApp;
  declareIncident: SlackLayerDeclare;
  stop(): Promise<void>;
}

type SlackLayerDeclare = (input: {
  buckets: string[];
  accessKeyIds: string[];
  since: Date | null;
  declaredBy: string;
}) => Promise<Incident>;

async function callerAccount(opts: AwsClientFactoryOptions | undefined): Promise<string | undefined> {
  const sts = new STSClient({
    ...(opts?.region ? { region: opts.region } : {}),
    ...(opts?.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts?.credentials ? { credentials: opts.credentials } : {}),
  });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } finally {
    sts.destroy();
  }
}

/**
 * The composition root: builds the store, AWS clients, workflow runtime, alert intake and Slack
 * layer from the config, wires them (alert → incident → workflow → effect → state → Slack) and
 * starts serving. Nothing else constructs a client.
 */
export async function startBot(config: Config, overrides: BotOverrides = {}): Promise<RunningBot> {
  const ctx = createAppContext(config, overrides);
  const { store, logger, clock } = ctx;
  // Alerts from the bot's own account need no role: learn which account that is.
  const homeAccountId = config.aws.assumeRoleName ? await callerAccount(overrides.aws) : undefined;
  const aws = createAwsClientFactory({
    forcePathStyle: config.aws.forcePathStyle,
    assumeRoleName: config.aws.assumeRoleName,
    homeAccountId,
    maxSockets: Math.max(config.aws.scanConcurrency, config.aws.restoreConcurrency) + 8,
    ...overrides.aws,
  });
  const client = new WebClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    retryConfig: { retries: 5 },
  });

  // The runtime and the Slack layer need each other (approvals are checked against responders;
  // transitions are shown in Slack): each is handed a late-bound reference to the other.
  let slack: SlackLayer | undefined;
  const effects = overrides.effects ?? createAwsEffects({ aws, store, config, logger });
  const runtime = createWorkflowRuntime({
    store,
    effects,
    clock,
    logger: logger.child({ component: 'workflow' }),
    isResponder: (userId) => slack!.isResponder(userId),
    policy: {
      approvalsRequired: config.approvals.required,
      twoPersonRule: config.approvals.twoPersonRule,
      approvalTtlMs: config.approvals.ttlMs,
      reminderMs: config.approvals.reminderMs,
    },
    onChange: (incidentId, snapshot, events) => slack?.incidentChanged(incidentId, snapshot, events),
    onProgress: (incidentId, step, progress) => slack?.stepProgress(incidentId, step, progress),
    ...(overrides.sweepIntervalMs ? { sweepIntervalMs: overrides.sweepIntervalMs } : {}),
  });

  async function startIncident(incident: Incident, alertSummary?: string): Promise<void> {
    // The thread first, so the workflow's first transitions have a control panel to update.
    await slack!.incidentOpened(incident, alertSummary ? { alertSummary } : {});
    runtime.open(store.incidents.get(incident.id) ?? incident);
  }

  const declareIncident: SlackLayerDeclare = async (input) => {
    const now = clock();
    const incident = store.transaction(() => {
      const inc = store.incidents.create(
        {
          title: `Declared incident: ${input.buckets.join(', ')}`,
          severity: 'high',
          accessKeyIds: input.accessKeyIds,
          buckets: input.buckets,
          windowStart: input.since ?? new Date(now.getTime() - config.aws.lookbackMs),
          declaredBy: input.declaredBy,
          firstSeen: now,
          lastSeen: now,
        },
        now,
      );
      store.audit.append({
        incidentId: inc.id,
        actor: input.declaredBy,
        action: 'incident.declared',
        outcome: 'ok',
        detail: {
          buckets: input.buckets,
          accessKeyIds: input.accessKeyIds,
          since: input.since?.toISOString() ?? null,
        },
        at: now,
      });
      return inc;
    });
    await startIncident(incident);
    return store.incidents.get(incident.id)!;
  };

  slack = createSlackLayer({
    client,
    store,
    config,
    logger: logger.child({ component: 'slack' }),
    clock,
    runtime,
    declareIncident,
  });

  const intake = createAlertIntake({
    store,
    logger: logger.child({ component: 'intake' }),
    clock,
    correlationMs: config.alerts.correlationMs,
    lookbackMs: config.aws.lookbackMs,
    parseOptions: { alarmBuckets: config.alerts.alarmBuckets },
    hooks: {
      opened: (incident, alert) => startIncident(incident, alert.title),
      joined: async (incident) => {
        await slack!.incidentChanged(incident.id, runtime.snapshot(incident.id), []);
      },
    },
  });

  const routeDeps = {
    intake,
    audit: store.audit,
    logger,
    token: config.alerts.token,
    snsTopics: config.alerts.snsTopics,
    fetchCertificate: overrides.fetchCertificate ?? createCertificateFetcher(),
    confirmSubscription:
      overrides.confirmSubscription ??
      (async (url: string) => {
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        if (!res.ok) throw new Error(`SubscribeURL answered ${res.status}`);
      }),
  };

  const started = startApp(ctx, {
    ...(overrides.port !== undefined ? { port: overrides.port } : {}),
    ...(overrides.host ? { host: overrides.host } : {}),
    routes: {
      'POST /alerts/eventbridge': eventBridgeRoute(routeDeps),
      'POST /alerts/sns': snsRoute(routeDeps),
    },
    register: (bolt) => slack!.register(bolt),
    healthDetails: () => {
      const alerts = store.alerts.counts();
      return {
        alerts: { waiting: alerts.received, failed: alerts.failed },
        incidents: { open: store.incidents.listOpen().length, refused: runtime.refused().length },
      };
    },
    onStop: async () => {
      await intake.stop();
      await runtime.stop();
      // Flush what Slack still has to hear, then stop its timers before the database closes.
      await slack!.idle();
      slack!.stop();
      aws.destroy();
    },
  });
  const app = await started.catch((error: unknown) => {
    // startApp has let go of the port and the database; what was built here goes too.
    slack!.stop();
    aws.destroy();
    throw error;
  });

  const report = await runtime.start();
  for (const r of report.refused) logger.error({ incident: r.ref }, r.message);
  // Incidents whose thread never got posted (Slack was down when they opened) get it now.
  for (const incident of store.incidents.listOpen()) {
    if (!incident.threadTs) {
      await slack
        .incidentOpened(incident, {})
        .catch((err: unknown) => logger.error({ err, incident: incident.ref }, 'could not open thread'));
      runtime.open(store.incidents.get(incident.id)!);
    }
  }
  intake.start();

  return {
    url: app.url,
    port: app.port,
    ctx,
    aws,
    runtime,
    intake,
    slack,
    app,
    declareIncident,
    stop: app.stop,
  };
}
