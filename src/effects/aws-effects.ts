import type { ContainOptions, DryRunResult } from '../../workflows/types.ts';
import { assessBucket } from '../aws/assess/index.ts';
import type { AwsClientFactory, AwsClients } from '../aws/clients.ts';
import { contain } from '../aws/contain/contain.ts';
import type { ContainOptions as AwsContainOptions } from '../aws/contain/plan.ts';
import { rollbackContainment } from '../aws/contain/rollback.ts';
import type { RecoverProgress } from '../aws/recover/progress.ts';
import { restoreFromVersions } from '../aws/recover/restore-versions.ts';
import { verifyRecovery } from '../aws/recover/verify.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import type { EffectContext, WorkflowEffects } from '../workflow/effects.ts';

export interface AwsEffectsDeps {
  aws: AwsClientFactory;
  store: Store;
  config: Config;
  logger: Logger;
}

/** The workflow's effect keys cover the whole step; the AWS modules keep their own sub-ledger. */
const awsKey = (effectKey: string) => `${effectKey}/aws`;

function toAwsOptions(o: ContainOptions): AwsContainOptions {
  return {
    deactivateKeys: o.deactivateKeys ?? true,
    denyAll: o.attachDenyAll ?? false,
    revokeSessions: o.revokeSessions ?? true,
    blockMethod: o.blockSseC === false ? 'none' : 'both',
    defuseLifecycle: o.defuseLifecycle ?? true,
  };
}

/**
 * The real effects of the incident workflow, over the AWS adapters in src/aws. Each is idempotent:
 * the adapters read AWS state first and keep their own ledger entries under the step's key.
 */
export function createAwsEffects(deps: AwsEffectsDeps): WorkflowEffects {
  const { aws, store, config } = deps;

  function clientsFor(incidentId: number): AwsClients {
    const incident = store.incidents.get(incidentId);
    return aws.forAccount(incident?.accountId ?? undefined, incident?.region ?? undefined);
  }

  const progressOf = (ctx: EffectContext) => (p: RecoverProgress) =>
    ctx.progress({
      done: p.done,
      total: p.total,
      message: `${p.restored} restored, ${p.failed} failed${p.etaSeconds !== null ? `, ~${Math.ceil(p.etaSeconds)} s left` : ''}`,
    });

  return {
    async contain(input, ctx) {
      const result = await contain({
        clients: clientsFor(input.incidentId),
        store,
        incidentId: input.incidentId,
        accessKeyIds: input.accessKeyIds,
        buckets: input.buckets,
        options: toAwsOptions(input.options),
        idempotencyKey: awsKey(ctx.idempotencyKey),
      });
      return {
        keysDeactivated: result.keysDeactivated,
        bucketsBlocked: result.bucketsBlocked,
        lifecycleRulesDefused: result.lifecycleRulesDefused,
        notes: result.notes.slice(0, 10),
        awsRequestIds: result.awsRequestIds.slice(0, 50),
      };
    },

    async rollbackContainment(input, ctx) {
      const result = await rollbackContainment({
        clients: clientsFor(input.incidentId),
        store,
        incidentId: input.incidentId,
        containKeys: [awsKey(`${input.incidentId}:contain:${input.containAttempt}`)],
        idempotencyKey: awsKey(ctx.idempotencyKey),
      });
      if (result.failed > 0)
        throw new Error(`${result.failed} rollback step(s) failed: ${result.notes.join('; ')}`);
      return {
        keysReactivated: result.keysReactivated,
        bucketsUnblocked: result.bucketsUnblocked,
        lifecycleRulesRestored: result.lifecycleRulesRestored,
        awsRequestIds: result.awsRequestIds.slice(0, 50),
      };
    },

    async assess(input, ctx) {
      const clients = clientsFor(input.incidentId);
      const previous = store.assessments.latestRuns(input.incidentId);
      const runIds: number[] = [];
      let affected = 0;
      let unrecoverable = 0;
      let changed = 0;
      const findings: Record<string, number | boolean | string> = {};
      for (const bucket of input.buckets) {
        // A run left 'running' by a crash is resumed from its last committed key, not restarted.
        const unfinished = previous.find((r) => r.bucket === bucket && r.status === 'running');
        const summary = await assessBucket({
          s3: clients.s3,
          backup: clients.backup,
          store,
          incidentId: input.incidentId,
          bucket,
          since: new Date(input.windowStart),
          until: input.windowEnd ? new Date(input.windowEnd) : undefined,
          concurrency: config.aws.scanConcurrency,
          signal: ctx.signal,
          resumeRunId: unfinished?.id,
          onProgress: (p) => ctx.progress({ done: p.keys ?? 0, message: `${p.affected ?? 0} affected` }),
        });
        runIds.push(summary.runId);
        affected += summary.counts.affected;
        unrecoverable += summary.counts.unrecoverable;
        changed += summary.counts.changed;
        const f = summary.findings as unknown as Record<string, unknown>;
        for (const [k, v] of Object.entries(f)) {
          if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string')
            findings[`${bucket}:${k}`] = v;
        }
      }
      return { affected, unrecoverable, changed, findings, assessRunIds: runIds };
    },

    async recover(input, ctx) {
      const clients = clientsFor(input.incidentId);
      if (input.strategy !== 'versions') {
        throw new Error(
          `Recovery strategy "${input.strategy}" is not available from Slack yet; use "versions" or the CLI`,
        );
      }
      const tally = await restoreFromVersions({
        s3: clients.s3,
        store,
        runIds: input.assessRunIds,
        concurrency: config.aws.restoreConcurrency,
        signal: ctx.signal,
        onProgress: progressOf(ctx),
      });
      if (tally.failed > 0) {
        const sample = tally.failures.slice(0, 3).map((f) => `${f.key}: ${f.reason}`);
        throw new Error(
          `${tally.failed} object(s) could not be restored (${sample.join('; ')}); retry restores only those`,
        );
      }
      return {
        restored: tally.copied + tally.alreadyRestored,
        failed: tally.failed,
        unrecoverable: tally.unrecoverable,
        awsRequestIds: tally.requestIds.slice(0, 50),
      };
    },

    async verify(input, ctx) {
      const clients = clientsFor(input.incidentId);
      const report = await verifyRecovery({
        s3: clients.s3,
        store,
        runIds: input.assessRunIds,
        signal: ctx.signal,
        onProgress: progressOf(ctx),
      });
      return {
        clean: report.done,
        remaining: report.remainingCount,
        detail: report.remaining
          .slice(0, 5)
          .map((r) => `${r.key}: ${r.state}`)
          .join('; '),
      };
    },

    async dryRun(step, input): Promise<DryRunResult> {
      switch (step) {
        case 'contain': {
          const i = input as Parameters<WorkflowEffects['contain']>[0];
          const result = await contain({
            clients: clientsFor(i.incidentId),
            store,
            incidentId: i.incidentId,
            accessKeyIds: i.accessKeyIds,
            buckets: i.buckets,
            options: toAwsOptions(i.options),
            idempotencyKey: `dry-run:${Date.now()}`,
            dryRun: true,
          });
          const actions = result.steps.flatMap((s) => s.changes.map((c) => `${s.kind} ${s.target}: ${c}`));
          return {
            step,
            summary: `Containment would make ${actions.length} change(s)`,
            actions: actions.slice(0, 40),
          };
        }
        case 'recover': {
          const i = input as Parameters<WorkflowEffects['recover']>[0];
          let pending = 0;
          let unrecoverable = 0;
          for (const runId of i.assessRunIds) {
            const c = store.assessments.counts(runId);
            pending += c.pending + c.failed;
            unrecoverable += c.unrecoverable;
          }
          return {
            step,
            summary: `Recovery (${i.strategy}) would restore ${pending} object(s); ${unrecoverable} cannot be restored from versions`,
            actions: [
              `copy the clean version onto each of ${pending} key(s); the attacker's versions stay as evidence`,
            ],
            counts: { pending, unrecoverable },
          };
        }
        default:
          return { step, summary: `${step} changes nothing in AWS that needs a preview`, actions: [] };
      }
    },
  };
}
