import { describe, expect, it } from 'vitest';
import { validateBlocks, validateView } from '../../../src/sandbox/slack/block-rules.ts';
import { approvalMessage } from '../../../src/slack/blocks/approval.ts';
import { controlPanel, waitingLines } from '../../../src/slack/blocks/control-panel.ts';
import {
  closedReply,
  decisionReply,
  dryRunMessage,
  openingReply,
  reminderReply,
  stepFailedReply,
  stepSucceededReply,
} from '../../../src/slack/blocks/guided-replies.ts';
import { closeModal, declareModal } from '../../../src/slack/blocks/modals.ts';
import { homeView, listMessage, statusMessage } from '../../../src/slack/blocks/overview.ts';
import { progressMessage } from '../../../src/slack/blocks/progress.ts';
import { approval, hugeView, NOW, view } from './fixtures.ts';

type Msg = { text: string; blocks: Array<Record<string, unknown>> };

/** Slack's rules as the stand-in enforces them, plus the fallback text budget. */
function expectValidMessage(m: Msg) {
  expect(validateBlocks(m.blocks, 'message')).toEqual([]);
  expect(m.blocks.length).toBeLessThanOrEqual(50);
  expect(m.text.length).toBeGreaterThan(0);
  expect(m.text.length).toBeLessThanOrEqual(3000);
}

const texts = (m: { blocks: unknown[] }) => JSON.stringify(m.blocks);
const buttons = (m: Msg) =>
  m.blocks.flatMap((b) =>
    ((b.elements as Array<{ type: string; action_id: string }> | undefined) ?? []).filter(
      (e) => e.type === 'button',
    ),
  );

describe('control panel', () => {
  it('shows phase, key and owner, buckets, counts, deadline, who waits on whom, and the next steps as buttons', () => {
    const v = view({
      pending: [
        {
          id: 'contain-1',
          step: 'contain',
          requestedBy: 'U0ALICE',
          expiresAt: new Date(NOW.getTime() + 3600_000),
          approvers: [],
          required: 1,
          otherThanRequester: true,
        },
      ],
      steps: [
        {
          action: 'decide',
          approvalId: 'contain-1',
          step: 'contain',
          approvals: 0,
          required: 1,
          expiresAt: NOW.toISOString(),
        },
        { action: 'assess' },
        { action: 'cancel' },
      ],
    });
    const m = controlPanel(v, NOW);
    expectValidMessage(m);
    const all = texts(m);
    expect(all).toContain('INC-7');
    expect(all).toContain('*:shield: Contain*');
    expect(all).toContain('AKIAIOSFODNN7EXAMPLE');
    expect(all).toContain('svc-backup');
    expect(all).toContain('victim-bucket');
    expect(all).toContain('*Affected objects*\\n12');
    expect(all).toContain('Lifecycle deadline');
    expect(all).toContain('in ~141 h');
    expect(all).toContain('waiting on a responder other than <@U0ALICE>: 0/1 approvals');
    expect(buttons(m).map((b) => b.action_id)).toEqual([
      'ssec.approve.contain-1',
      'ssec.reject.contain-1',
      'ssec.assess',
      'ssec.cancel',
    ]);
    // Approving a step that changes AWS asks for confirmation first.
    expect(buttons(m)[0]).toHaveProperty('confirm');
  });

  it('stays within every Slack limit with thousands of buckets, hundreds of keys and approvals', () => {
    const m = controlPanel(hugeView(), NOW);
    expectValidMessage(m);
    const header = m.blocks[0] as unknown as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    expect(texts(m)).toMatch(/…and \d+ more/);
    // The buttons survive the cut: every decision is still reachable.
    expect(buttons(m).length).toBeGreaterThan(100);
    for (const b of buttons(m) as unknown as Array<{ text: { text: string } }>)
      expect(b.text.text.length).toBeLessThanOrEqual(75);
  });

  it('says what the team waits for when nothing is pending', () => {
    expect(waitingLines(view())).toEqual([':point_right: Waiting on a responder to request containment']);
    expect(waitingLines(view({ verified: true, steps: [] }))[0]).toContain('attach the report and close');
    expect(waitingLines(view({ running: ['recover'] }))[0]).toContain('Recovery is running');
  });

  it('escapes text that came from outside so it cannot mention or link', () => {
    const m = controlPanel(
      view({ buckets: ['<!channel>'], failures: [{ step: 'assess', error: '<@U0BOSS> & co' }] }),
      NOW,
    );
    const all = texts(m);
    expect(all).not.toContain('<!channel>');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;@U0BOSS&gt; &amp; co');
  });
});

describe('approval message', () => {
  it('while pending: what will happen, who must decide, Approve (with confirm) / Reject / Dry run', () => {
    const m = approvalMessage({
      incidentId: 7,
      ref: 'INC-7',
      approval: approval(),
      responders: ['U0BOB', 'S0ONCALL'],
    });
    expectValidMessage(m);
    expect(texts(m)).toContain('deactivate the access key');
    expect(texts(m)).toContain('other than <@U0ALICE>');
    expect(texts(m)).toContain('<!subteam^S0ONCALL>');
    const b = buttons(m);
    expect(b.map((x) => x.action_id)).toEqual([
      'ssec.approve.contain-1',
      'ssec.reject.contain-1',
      'ssec.dry-run.contain',
    ]);
    expect(b[0]).toHaveProperty('confirm');
    expect(JSON.parse((b[0] as unknown as { value: string }).value)).toEqual({
      k: 'approve',
      i: 7,
      a: 'contain-1',
      s: 'contain',
    });
  });

  it('once decided: says how and by whom, with no buttons left to click', () => {
    for (const status of ['approved', 'rejected', 'expired', 'withdrawn'] as const) {
      const m = approvalMessage({
        incidentId: 7,
        ref: 'INC-7',
        approval: approval({
          status,
          approvers: [{ userId: 'U0BOB', at: NOW.toISOString() }],
          decidedBy: 'U0BOB',
          decidedAt: NOW.toISOString(),
          reason: 'no',
        }),
        responders: [],
      });
      expectValidMessage(m);
      expect(buttons(m)).toEqual([]);
      expect(texts(m).toLowerCase()).toContain(status);
    }
  });

  it('stays within limits with thousands of responders and a huge rollback reason', () => {
    const m = approvalMessage({
      incidentId: 7,
      ref: 'INC-7',
      approval: approval({
        id: 'rollback-1',
        step: 'rollback',
        params: { step: 'rollback', reason: 'r'.repeat(10_000) },
      }),
      responders: Array.from({ length: 5000 }, (_, i) => `U0R${i}`),
    });
    expectValidMessage(m);
    expect(texts(m)).toMatch(/…and \d+ more/);
  });
});

describe('guided replies', () => {
  const v = view({
    steps: [
      { action: 'request', step: 'recover', strategies: ['versions', 'backup', 'batch'] },
      { action: 'dry-run', step: 'recover' },
      { action: 'retry', step: 'assess' },
      { action: 'close', reasonRequired: true },
    ],
  });

  it('after assessment: counts, findings, the CSV, and the recovery decision as buttons', () => {
    const m = stepSucceededReply(v, {
      type: 'step.succeeded',
      step: 'assess',
      attempt: 1,
      result: {
        affected: 1234,
        unrecoverable: 5,
        changed: 7,
        findings: { lifecycleRules: 1, versioningSuspended: false },
      },
      awsRequestIds: [],
    });
    expectValidMessage(m);
    expect(texts(m)).toContain('1,234 object(s)');
    expect(texts(m)).toContain('lifecycleRules: 1');
    expect(texts(m)).toContain('*Decide:*');
    expect(buttons(m).map((b) => b.action_id)).toEqual([
      'ssec.request.recover.versions',
      'ssec.request.recover.backup',
      'ssec.request.recover.batch',
      'ssec.dry-run.recover',
    ]);
  });

  const bucketFindings = (
    bucket: string,
    archivedRestoreVersions: number | null,
    messages: string[] = [],
  ) => ({
    bucket,
    versioning: 'Enabled',
    cleanVersionsDestroyedFrom: null,
    deleteMarkersFrom: null,
    lifecycleRules: 0,
    sseCBlocked: true,
    recoveryPoints: null,
    archivedRestoreVersions,
    messages,
  });
  const assessed = (over: Parameters<typeof view>[0]) =>
    stepSucceededReply(view({ ...v, ...over }), {
      type: 'step.succeeded',
      step: 'assess',
      attempt: 1,
      result: { affected: 20, unrecoverable: 0, changed: 0, findings: {} },
      awsRequestIds: [],
    });
  const ARCHIVED_LINE =
    ':snowflake: 12 clean versions are archived (GLACIER/DEEP_ARCHIVE): S3 will not copy them until they are restored with restore-object (hours). Start that now.';

  it('after assessment: one line when clean versions are archived, and none when they are not', () => {
    const one = assessed({
      findings: {
        buckets: [bucketFindings('victim-bucket', 12, ['Versioning is enabled.'])],
        lifecycleDeadline: null,
      },
    });
    expectValidMessage(one);
    expect(texts(one)).toContain(ARCHIVED_LINE);
    expect(texts(one)).toContain('• Versioning is enabled.');
    // Right under the counts, ahead of the findings that matter less.
    expect(texts(one).indexOf(':snowflake:')).toBeLessThan(texts(one).indexOf('• Versioning'));

    const single = assessed({
      findings: { buckets: [bucketFindings('victim-bucket', 1)], lifecycleDeadline: null },
    });
    expect(texts(single)).toContain(
      ':snowflake: 1 clean version is archived (GLACIER/DEEP_ARCHIVE): S3 will not copy it until it is restored with restore-object (hours).',
    );

    // Several buckets: one line, the total, naming the buckets that hold archived versions.
    const several = assessed({
      findings: {
        buckets: [
          bucketFindings('a-bucket', 10),
          bucketFindings('b-bucket', 0),
          bucketFindings('c-bucket', 2),
        ],
        lifecycleDeadline: null,
      },
    });
    expect(texts(several)).toContain(':snowflake: 12 clean versions in a-bucket, c-bucket are archived');
    expect(texts(several).match(/:snowflake:/g)).toHaveLength(1);

    for (const archived of [0, null]) {
      const none = assessed({
        findings: { buckets: [bucketFindings('victim-bucket', archived)], lifecycleDeadline: null },
      });
      expect(texts(none)).not.toContain(':snowflake:');
    }
  });

  it('after assessment, at its largest: the archived line and the decision both survive', () => {
    const huge = hugeView();
    const big = 'e'.repeat(50_000);
    const m = stepSucceededReply(
      {
        ...huge,
        findings: {
          buckets: huge.buckets.map((b, i) => bucketFindings(b, 1e12 + i, Array(5).fill(big))),
          lifecycleDeadline: null,
        },
      },
      {
        type: 'step.succeeded',
        step: 'assess',
        attempt: 1,
        result: {
          affected: 1e12,
          unrecoverable: 1e12,
          changed: 1e12,
          findings: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`finding${i}`, big])),
        },
        awsRequestIds: [],
      },
    );
    expectValidMessage(m);
    const text = texts(m);
    expect(text).toContain(':snowflake: 5,000,000,012,497,500 clean versions in bucket-0-');
    expect(text).toMatch(/bucket-\d+-z+, …and \d+ more are archived \(GLACIER\/DEEP_ARCHIVE\)/);
    // The per-bucket messages gave up the room, not the decision at the end.
    expect(text).toContain('Batch Operations for millions of objects.');
  });

  it('every reply stays within limits with huge results, errors and reasons', () => {
    const huge = hugeView();
    const big = 'e'.repeat(50_000);
    const messages = [
      openingReply(huge, big),
      openingReply(view({ steps: [] }), undefined),
      stepSucceededReply(huge, {
        type: 'step.succeeded',
        step: 'contain',
        attempt: 1,
        result: { notes: Array(5000).fill(big) },
        awsRequestIds: [],
      }),
      stepSucceededReply(huge, {
        type: 'step.succeeded',
        step: 'assess',
        attempt: 1,
        result: {
          findings: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`finding${i}`, big])),
        },
        awsRequestIds: [],
      }),
      stepSucceededReply(huge, {
        type: 'step.succeeded',
        step: 'recover',
        attempt: 1,
        result: { jobIds: Array(5000).fill(big) },
        awsRequestIds: [],
      }),
      stepSucceededReply(huge, {
        type: 'step.succeeded',
        step: 'verify',
        attempt: 1,
        result: {},
        awsRequestIds: [],
      }),
      stepSucceededReply(huge, {
        type: 'step.succeeded',
        step: 'rollback',
        attempt: 1,
        result: {},
        awsRequestIds: [],
      }),
      stepFailedReply(huge, {
        type: 'step.failed',
        step: 'recover',
        attempt: 3,
        error: big,
        awsRequestIds: [],
      }),
      decisionReply(huge, {
        type: 'rejected',
        approvalId: 'contain-1',
        step: 'contain',
        userId: 'U0BOB',
        reason: big,
      }),
      decisionReply(huge, { type: 'expired', approvalId: 'contain-1', step: 'contain' }),
      reminderReply(
        huge,
        {
          type: 'reminder',
          approvalId: 'contain-1',
          step: 'contain',
          requestedBy: 'U0ALICE',
          expiresAt: NOW.toISOString(),
        },
        {
          responders: Array.from({ length: 5000 }, (_, i) => `U0R${i}`),
          approvalLink: 'https://example.slack.com/archives/C1/p1',
        },
      ),
      closedReply(huge, { type: 'closed', outcome: 'cancelled', userId: 'U0BOB', reason: big }),
      dryRunMessage('INC-7', {
        step: 'recover',
        summary: big,
        actions: Array(20_000).fill('copy a/b.txt'),
        counts: { objects: 1e9 },
      }),
    ];
    for (const m of messages) expectValidMessage(m);
  });

  it('the first reply offers containment even before the workflow has started', () => {
    const m = openingReply(view({ steps: [] }), 'GuardDuty: Impact:S3/AnomalousBehavior.Write');
    expect(texts(m)).toContain('What we know');
    expect(buttons(m).map((b) => b.action_id)).toEqual(['ssec.request.contain', 'ssec.dry-run.contain']);
  });
});

describe('progress message', () => {
  it('shows done of total, rate and time left, and stays small with many counters', () => {
    const m = progressMessage({
      ref: 'INC-7',
      step: 'recover',
      state: 'running',
      attempt: 2,
      progress: {
        done: 2500,
        total: 10_000,
        message: 'm'.repeat(10_000),
        ...Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`c${i}`, i])),
      },
      startedAt: new Date(NOW.getTime() - 10_000),
      now: NOW,
    });
    expectValidMessage(m);
    expect(texts(m)).toContain('2,500 of 10,000 (25%)');
    expect(texts(m)).toContain('250/s');
    expect(texts(m)).toContain('~30s left');
    expect(texts(m)).toContain('(attempt 2)');
  });
});

describe('overviews and modals', () => {
  const listed = Array.from({ length: 500 }, (_, i) => ({
    view: { ...hugeView(), id: i + 1, ref: `INC-${i + 1}` },
    permalink: `https://sandbox.slack.com/archives/C0INCIDENTS/p${1700000000000100 + i}`,
  }));

  it('App Home lists open incidents with links and recently closed ones within 100 blocks', () => {
    const closed = listed.slice(0, 10).map((l) => ({
      ...l,
      view: {
        ...l.view,
        phase: 'resolved' as const,
        status: 'resolved' as const,
        closure: { outcome: 'resolved' as const, by: 'U0BOB', at: NOW.toISOString(), reason: null },
      },
    }));
    const home = homeView(listed, closed, NOW);
    expect(validateView(home, 'home')).toEqual([]);
    expect(home.blocks.length).toBeLessThanOrEqual(100);
    expect(texts(home)).toContain('<https://sandbox.slack.com/archives/C0INCIDENTS/p1700000000000100|INC-1>');
    expect(texts(home)).toContain('Recently closed');
    expect(texts(home)).toMatch(/…and \d+ more/);
    expect(validateView(homeView([], [], NOW), 'home')).toEqual([]);
  });

  it('list and status stay within limits', () => {
    expectValidMessage(listMessage(listed));
    expectValidMessage(listMessage([]));
    const status = statusMessage(listed[0]!, NOW);
    expectValidMessage(status);
    expect(buttons(status)).toEqual([]);
    expect(texts(status)).toContain('Open the incident thread');
  });

  it('modals are valid views and carry what the submission needs', () => {
    const d = declareModal({ keys: ['AKIAIOSFODNN7EXAMPLE'], since: NOW }, { channelId: 'C0X' });
    expect(validateView(d, 'modal')).toEqual([]);
    expect(JSON.parse(d.private_metadata)).toEqual({ channelId: 'C0X' });
    expect(texts(d)).toContain(`"initial_date_time":${NOW.getTime() / 1000}`);
    const c = closeModal({ incidentId: 7, ref: 'INC-7', kind: 'cancel' });
    expect(validateView(c, 'modal')).toEqual([]);
    expect(JSON.parse(c.private_metadata)).toEqual({ incidentId: 7, kind: 'cancel' });
  });
});
