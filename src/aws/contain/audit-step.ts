import type { Store } from '../../store/store.ts';
import type { StepOutcome } from './step.ts';

/**
 * One audit entry for each containment or rollback step that changed AWS or failed to; a step that
 * found AWS already in place adds nothing. Without an actor (a dry run, a plan) nothing is audited.
 */
export function auditStep(
  store: Store,
  entry: { incidentId: number | null; actor: string | undefined; action: 'contain' | 'rollback' },
  outcome: StepOutcome,
): void {
  if (!entry.actor || outcome.status === 'unchanged') return;
  store.audit.append({
    incidentId: entry.incidentId,
    actor: entry.actor,
    action: `${entry.action}.${outcome.kind}`,
    outcome: outcome.status === 'failed' ? 'failed' : 'ok',
    detail: {
      target: outcome.target,
      changes: outcome.changes,
      ...(outcome.error ? { error: outcome.error } : {}),
    },
    awsRequestIds: outcome.requestIds,
  });
}
