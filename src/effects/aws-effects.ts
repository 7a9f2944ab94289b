import type { ContainOptions, DryRunResult } from '../../workflows/types.ts';
import { assessBucket } from '../aws/assess/index.ts';
import type { AwsClientFactory, AwsClients } from '../aws/clients.ts';
import { contain } from '../aws/contain/contain.ts';
import type { ContainOptions as AwsContainOptions } from '../aws/contain/plan.ts';
import { rollbackContainment } from '../aws/contain/rollback.ts';
import type { RecoverProgress } from '../aws/recover/progress.ts';
import { recover } from '../aws/recover/recover.ts';
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
    // On unless turned off: the approval message promises it, and the leaked key's user is the compromised principal.
    denyAll: o.attachDenyAll ?? true,
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

  // The approval in Slack is the confirmation S3 Batch Operations asks for.
  function batchOptions(accountId: string | null) {
    const { batchRoleArn, batchManifestBucket } = config.aws;
    if (!batchRoleArn || !batchManifestBucket) {
      throw new Error(
        'S3 Batch Operations needs SSEC_BATCH_ROLE_ARN and SSEC_BATCH_MANIFEST_BUCKET; set them, or recover from versions',
      );
    }
    const account = accountId ?? batchRoleArn.split(':')[4] ?? '';
    return { accountId: account, roleArn: batchRoleArn, manifestBucket: batchManifestBucket, confirm: true };
  }

  function backupOptions() {
    if (!config.aws.backupRoleArn) {
      throw new Error(
        'Recovery from AWS Backup needs SSEC_BACKUP_ROLE_ARN (the role AWS Backup restores with)',
      );
    }
    return { roleArn: config.aws.backupRoleArn };
  }

  // The control panel shows whose key it is; containment is where IAM told us.
  function recordKeyOwners(
    incidentId: number,
    keys: { accessKeyId: string; userName: string | null; roleName: string | null }[],
  ) {
    const incident = store.incidents.get(incidentId);
    if (!incident) return;
    const owners = { ...((incident.summary.keyOwners as Record<string, string> | undefined) ?? {}) };
    for (const k of keys) {
      const owner = k.userName ?? (k.roleName ? `role ${k.roleName}` : null);
      if (owner) owners[k.accessKeyId] = owner;
    }
    store.incidents.update(incidentId, { summary: { ...incident.summary, keyOwners: owners } });
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
      recordKeyOwners(input.incidentId, result.keys);
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
        // Every contain attempt up to the one undone: a retried attempt saw the state the first made.
        containKeys: Array.from({ length: input.containAttempt }, (_, i) =>
          awsKey(`${input.incidentId}:contain:${i + 1}`),
        ),
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
      const incident = store.incidents.get(input.incidentId);
      const result = await recover({
        clients: {
          s3: clients.s3,
          backup: clients.backup,
          s3control: clients.s3control,
          accountId: incident?.accountId ?? undefined,
        },
        store,
        incidentId: input.incidentId,
        runIds: input.assessRunIds,
        strategy: input.strategy,
        concurrency: config.aws.restoreConcurrency,
        signal: ctx.signal,
        onProgress: progressOf(ctx),
        idempotencyKey: awsKey(ctx.idempotencyKey),
        ...(input.strategy === 'batch' ? { batch: batchOptions(incident?.accountId ?? null) } : {}),
        ...(input.strategy === 'backup' ? { backup: backupOptions() } : {}),
      });
      if (result.failed > 0) {
        const sample = result.failures.slice(0, 3).map((f) => `${f.key}: ${f.reason}`);
        throw new Error(
          `${result.failed} object(s) could not be restored (${sample.join('; ')}); retry restores only those`,
        );
      }
      return {
        restored: result.restored,
        failed: result.failed,
        unrecoverable: result.unrecoverable,
        jobIds: result.jobIds,
        awsRequestIds: result.awsRequestIds.slice(0, 50),
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
