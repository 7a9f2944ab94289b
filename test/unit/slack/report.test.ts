import { afterEach, describe, expect, it } from 'vitest';
import { describeIncident } from '../../../src/slack/incident-view.ts';
import { hardeningChecks } from '../../../src/slack/report/hardening.ts';
import { buildReport, formatDuration } from '../../../src/slack/report/report.ts';
import { MIN, RESULTS } from '../../helpers/workflow.ts';
import { type TestRuntime, testRuntime, until } from '../../helpers/workflow-runtime.ts';

const open: TestRuntime[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

/** A whole incident through the real runtime: contain (30 min after the start), assess, recover, verify, close. */
async function finishedIncident() {
  const t = testRuntime();
  open.push(t);
  const start = t.clock.now;
  const incident = t.newIncident({ firstSeen: new Date(start) });
  t.runtime.open(incident);
  await t.settle('assess', { ...RESULTS.assess, findings: { lifecycleRules: 1, versioningSuspended: true } });
  t.clock.now += 10 * MIN;
  await t.runtime.send(incident.id, { type: 'REQUEST', step: 'contain', by: 'U-ALICE' });
  t.clock.now += 20 * MIN;
  await t.runtime.send(incident.id, { type: 'APPROVE', approvalId: 'contain-1', by: 'U-BOB' });
  await t.settle('contain');
  await t.runtime.send(incident.id, { type: 'REQUEST', step: 'recover', strategy: 'versions', by: 'U-BOB' });
  await t.runtime.send(incident.id, { type: 'APPROVE', approvalId: 'recover-1', by: 'U-ALICE' });
  t.clock.now += 90 * MIN;
  await t.settle('recover');
  await t.settle('verify');
  await t.runtime.send(incident.id, { type: 'CLOSE', by: 'U-CAROL' });
  await until(() => t.store.incidents.get(incident.id)!.status === 'resolved', 'closed');
  const stored = t.store.incidents.get(incident.id)!;
  const snapshot = t.changes.at(-1)!.snapshot;
  return { t, incident: stored, snapshot, start };
}

describe('post-incident report', () => {
  it('has the timeline, decisions and who made them, request ids, counts, times and missing hardening', async () => {
    const { t, incident, snapshot } = await finishedIncident();
    const audit = t.store.audit.forIncident(incident.id);
    const md = buildReport({
      incident,
      view: describeIncident(incident, snapshot),
      context: snapshot.context,
      audit,
      buckets: [
        {
          bucket: 'victim-bucket',
          runId: 3,
          total: 12,
          restored: 11,
          unrecoverable: 1,
          failed: 0,
          pending: 0,
          changed: 14,
        },
      ],
      generatedAt: new Date(t.clock.now),
      names: { 'U-CAROL': 'Carol Danvers' },
    });
    expect(md).toMatch(/^# INC-\d+: SSE-C re-encryption/);
    expect(md).toMatch(/\| Status \| resolved by Carol Danvers \(U-CAROL\) at/);
    for (const heading of [
      '## Summary',
      '## Counts',
      '## Hardening still to do',
      '## Decisions',
      '## AWS request ids',
      '## Timeline',
    ]) {
      expect(md).toContain(heading);
    }
    expect(md).toContain('**Time to contain:** 30 min');
    expect(md).toContain('**Time to recover (verified):** 2 h 0 min');
    // Who asked and who approved each step.
    expect(md).toMatch(/\| U-ALICE \| approval\.request \| containment \(contain-1\)/);
    expect(md).toMatch(/\| U-BOB \| approval\.approve \| containment \(contain-1\)/);
    expect(md).toMatch(/\| U-ALICE \| approval\.approve \| recovery \(recover-1\)/);
    expect(md).toContain('`req-contain-1`');
    expect(md).toContain('`req-rec`');
    expect(md).toContain('| Objects re-encrypted by the attacker | 12 |');
    expect(md).toContain('| Restored | 11 |');
    expect(md).toContain('| victim-bucket | 12 | 11 | 1 | 0 | 0 | 14 |');
    // Containment blocked SSE-C and defused the rule; versioning was found suspended; the key still needs rotating.
    expect(md).toMatch(/\[x\] \*\*SSE-C writes blocked/);
    expect(md).toMatch(/\[x\] \*\*Attacker’s lifecycle rule defused/);
    expect(md).toMatch(/\[ \] \*\*Versioning enabled on every bucket\*\* — MISSING/);
    expect(md).toMatch(/\[ \] \*\*Stolen access key deleted and credentials rotated\*\* — MISSING/);
    // Every audit entry is in the timeline.
    for (const e of audit) expect(md).toContain(`| ${e.seq} |`);
  });

  it('bounds the timeline and request ids for a huge audit log, and escapes table cells', async () => {
    const { t, incident, snapshot } = await finishedIncident();
    t.store.transaction(() => {
      for (let i = 0; i < 3000; i++) {
        t.store.audit.append({
          incidentId: incident.id,
          actor: 'system',
          action: 'recover.batch',
          outcome: 'info',
          detail: { message: 'a | b\nc' },
          awsRequestIds: [`rid-${i}`],
        });
      }
    });
    const audit = t.store.audit.forIncident(incident.id);
    const md = buildReport({
      incident,
      view: describeIncident(incident, snapshot),
      context: snapshot.context,
      audit,
      buckets: [],
      generatedAt: new Date(),
    });
    expect(md).toContain(`…and ${audit.length - 2000} more entries in the audit log`);
    expect(md).toMatch(/- …and \d+ more in the audit log\./);
    expect(md).toContain('message: a \\| b c');
    expect(md.length).toBeLessThan(1_000_000);
  });

  it('states the audit chain check: the newest entry when intact, the broken entry when not', async () => {
    const { t, incident, snapshot } = await finishedIncident();
    const base = {
      incident,
      view: describeIncident(incident, snapshot),
      context: snapshot.context,
      audit: t.store.audit.forIncident(incident.id),
      buckets: [],
      generatedAt: new Date(),
    };
    const head = t.store.audit.head()!;
    const intact = buildReport({ ...base, integrity: { verification: t.store.audit.verify(), head } });
    expect(intact).toContain(`Newest entry: \`${head.seq}:${head.hash}\``);
    expect(intact).toContain(`ssec incidents --verify-audit --anchor ${head.seq}:${head.hash}`);
    const broken = buildReport({
      ...base,
      integrity: { verification: { ok: false, seq: 3, reason: 'row content was changed' }, head },
    });
    expect(broken).toContain('**The audit log does NOT verify:** entry 3: row content was changed.');
    expect(broken).not.toContain('Newest entry');
  });

  it('hardening says "not verified" rather than "done" when the bot could not see', () => {
    const checks = hardeningChecks(undefined, ['b']);
    expect(checks.find((c) => c.id === 'block-sse-c')!.status).toBe('missing');
    expect(checks.find((c) => c.id === 'backup')!.status).toBe('unverified');
    expect(checks.some((c) => c.status === 'done')).toBe(false);
  });

  it('formats durations for people', () => {
    expect(formatDuration(45 * MIN)).toBe('45 min');
    expect(formatDuration(125 * MIN)).toBe('2 h 5 min');
    expect(formatDuration(50 * 60 * MIN)).toBe('2 d 2 h');
  });
});
