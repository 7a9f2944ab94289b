// Acceptance 1: a whole incident driven only through signed Slack requests, against the Slack API
// stand-in and the AWS stand-in, with the bot's real AWS effects: declare → approve containment →
// assessment → recovery requested by one responder and approved by another → verification →
// report → close. Asserts the AWS end state and what the thread shows.

import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/drill/random.ts';
import { runAttack } from '../../src/drill/run-attack.ts';
import { type AwsSandbox, startAwsSandbox } from '../../src/sandbox/aws/server.ts';
import type { StoredMessage } from '../../src/sandbox/slack/types.ts';
import { sandboxS3Client } from '../helpers/aws-clients.ts';
import { ALICE, BOB, buttonsOf, CAROL, CHANNEL, declare, type Harness, startHarness } from './harness.ts';

const BUCKET = 'victim-data';
const OBJECTS = 40;
const STEP_TIMEOUT = 20_000;

let sandbox: AwsSandbox;
let h: Harness;
let admin: S3Client;
let attacker: { accessKeyId: string; secretAccessKey: string };
const originals = new Map<string, string>();
let encrypted: string[] = [];
let attackStart: Date;

async function body(key: string): Promise<string> {
  const out = await admin.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return out.Body!.transformToString();
}

beforeAll(async () => {
  sandbox = await startAwsSandbox({ seed: 8 });
  admin = sandboxS3Client(sandbox);
  sandbox.iam.createUser('etl-service');
  attacker = sandbox.iam.createAccessKey('etl-service');
  sandbox.s3.createBucket(BUCKET, { versioning: 'Enabled' });
  const keys = Array.from(
    { length: OBJECTS },
    (_, i) => `${i % 2 ? 'invoices' : 'contracts'}/doc-${i} (final).csv`,
  );
  const before = new Date(Date.now() - 3 * 86_400_000);
  sandbox.s3.seed(
    BUCKET,
    keys.map((key) => {
      const text = `clean bytes of ${key}`;
      originals.set(key, text);
      return { key, body: Buffer.from(text), contentType: 'text/csv', lastModified: before };
    }),
  );
  attackStart = new Date();
  const attack = await runAttack({
    s3: sandboxS3Client(sandbox, { credentials: attacker }),
    bucket: BUCKET,
    keys,
    rand: seededRandom(3),
    share: 0.6,
  });
  encrypted = attack.encrypted;
  expect(encrypted.length).toBeGreaterThan(10);

  h = await startHarness({
    overrides: {
      aws: {
        endpoint: sandbox.endpoint,
        region: sandbox.region,
        credentials: sandbox.adminCredentials,
        forcePathStyle: true,
        maxAttempts: 3,
      },
    },
  });
}, 60_000);

afterAll(async () => {
  await h?.stop();
  admin?.destroy();
  await sandbox?.stop();
});

async function waitForReply(incidentId: number, match: RegExp): Promise<StoredMessage> {
  try {
    return await h.standIn.waitFor(() => h.reply(incidentId, match), STEP_TIMEOUT);
  } catch (err) {
    // Show what the thread did say, so a failure explains itself.
    const said = h.thread(incidentId).map((m) => `  ${m.text}`);
    throw new Error(
      `no reply matching ${match} within ${STEP_TIMEOUT} ms; the thread says:\n${said.join('\n')}`,
      { cause: err },
    );
  }
}

function click(userId: string, message: StoredMessage, actionId: string) {
  return h.driver.clickButton({ userId, channel: CHANNEL, ts: message.ts, actionId });
}

describe('a whole SSE-C incident through Slack', () => {
  it('declare → contain → assess → recover (two people) → verify → report → close', async () => {
    // 1. Declare by slash command; the read-only assessment starts on its own.
    const since = new Date(attackStart.getTime() - 60_000).toISOString();
    const id = await declare(h, ALICE, `${BUCKET} --key ${attacker.accessKeyId} --since ${since}`);
    expect(h.panel(id).pinned_to).toEqual([CHANNEL]);
    const assessed = await waitForReply(id, /assessment done/);
    expect(JSON.stringify(assessed.blocks)).toContain(`${encrypted.length} object(s) re-encrypted`);

    // 2. Alice asks for containment; Bob approves (the confirm dialog is Slack's, the click is signed).
    await click(ALICE, h.panel(id), 'ssec.request.contain');
    const containApproval = await waitForReply(id, /Containment of INC-\d+ needs approval/);
    await click(BOB, containApproval, 'ssec.approve.contain-1');
    await waitForReply(id, /contained/);
    expect(sandbox.iam.describeAccessKey(attacker.accessKeyId)!.status).toBe('Inactive');
    // Defused: the attacker's rule is kept (for the record, and for rollback) but disabled.
    const lifecycle = sandbox.s3.bucketConfig(BUCKET).lifecycleXml ?? '';
    expect(lifecycle).toContain('<Status>Disabled</Status>');
    expect(lifecycle).not.toContain('<Status>Enabled</Status>');
    // The stolen key can no longer encrypt anything.
    const stolen = sandboxS3Client(sandbox, { credentials: attacker, maxAttempts: 1 });
    await expect(
      stolen.send(
        new CopyObjectCommand({
          Bucket: BUCKET,
          Key: encrypted[0]!,
          CopySource: `${BUCKET}/${encodeURIComponent(encrypted[0]!)}`,
        }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    stolen.destroy();

    // 3. Bob asks for recovery from prior versions; Carol (a responder through the on-call group) approves.
    await h.settle();
    await click(BOB, h.panel(id), 'ssec.request.recover.versions');
    const recoverApproval = await waitForReply(id, /Recovery of INC-\d+ needs approval/);
    await click(CAROL, recoverApproval, 'ssec.approve.recover-1');
    await waitForReply(id, /verified/);

    // 4. The report, then close.
    await h.driver.slashCommand({ userId: ALICE, text: `report INC-${id}`, channelId: CHANNEL });
    const reportMessage = await h.standIn.waitFor(
      () => h.thread(id).find((m) => m.files?.some((f) => f.name.endsWith('.md'))),
      STEP_TIMEOUT,
    );
    await h.settle();
    await click(ALICE, h.panel(id), 'ssec.close');
    await waitForReply(id, /resolved/);
    await h.settle();

    // --- AWS end state ------------------------------------------------------------------------
    for (const key of encrypted) {
      const head = await admin.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      expect(head.SSECustomerAlgorithm).toBeUndefined();
      expect(await body(key)).toBe(originals.get(key));
      // The attacker's version is kept as evidence, under the restored one.
      const versions = sandbox.s3.listVersions(BUCKET, key);
      expect(versions.filter((v) => v.sseCustomerAlgorithm === 'AES256')).toHaveLength(1);
      expect(versions[0]!.sseCustomerAlgorithm).toBeUndefined();
    }
    for (const key of [...originals.keys()].filter((k) => !encrypted.includes(k))) {
      expect(sandbox.s3.listVersions(BUCKET, key)).toHaveLength(1);
    }
    expect(sandbox.iam.describeAccessKey(attacker.accessKeyId)!.status).toBe('Inactive');

    // --- The thread ---------------------------------------------------------------------------
    const thread = h.thread(id);
    const panel = h.panel(id);
    const panelText = JSON.stringify(panel.blocks);
    expect(panel.text).toMatch(/^INC-\d+ · Resolved/);
    expect(panelText).toContain(`*Affected objects*\\n${encrypted.length}`);
    expect(panelText).toContain(`*Restored*\\n${encrypted.length}`);
    expect(panelText).toContain(attacker.accessKeyId);
    expect(panelText).toContain(':white_check_mark: 1 rule(s) defused');
    expect(buttonsOf(panel).size).toBe(0);

    // Guided replies, in order.
    const guided = [
      /what to do first/,
      /assessment done/,
      /contained/,
      /recovery done/,
      /verified/,
      /resolved/,
    ];
    const order = guided.map((re) => thread.findIndex((m) => re.test(m.text)));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    // Both approval messages record who asked and who approved, and offer nothing more to click.
    for (const [message, requester, approver] of [
      [containApproval, ALICE, BOB],
      [recoverApproval, BOB, CAROL],
    ] as const) {
      const now = h.standIn.message(CHANNEL, message.ts)!;
      expect(JSON.stringify(now.blocks)).toContain(`<@${requester}> asks to run`);
      expect(JSON.stringify(now.blocks)).toContain(`*Approved* by <@${approver}>`);
      expect(buttonsOf(now).size).toBe(0);
    }

    // One progress message per step, each ending "finished".
    for (const step of ['Assessment', 'Containment', 'Recovery', 'Verification']) {
      const progress = thread.filter((m) => m.text.startsWith(`INC-${id}: ${step} `));
      expect(progress, step).toHaveLength(1);
      expect(progress[0]!.text).toBe(`INC-${id}: ${step} finished`);
    }

    // Files: the affected-objects CSV (one row per encrypted object) and the report.
    const files = h.standIn.files().filter((f) => f.threadTs === h.bot.ctx.store.incidents.get(id)!.threadTs);
    const csv = files.find((f) => f.name.endsWith('.csv'))!;
    const rows = csv.content.toString('utf8').trim().split('\n');
    expect(rows[0]).toMatch(/^bucket,key,attacker_version_id,restore_version_id/);
    expect(rows).toHaveLength(encrypted.length + 1);
    expect(
      rows.some(
        (r) => r.includes('"contracts/doc-0 (final).csv"') || r.includes('contracts/doc-0 (final).csv'),
      ),
    ).toBe(encrypted.includes('contracts/doc-0 (final).csv'));
    const report = files.find((f) => f.name.endsWith('.md'))!;
    expect(reportMessage.files![0]!.id).toBe(report.id);
    const md = report.content.toString('utf8');
    expect(md).toContain('**Time to contain:**');
    // Who decided, by name (users.info) and id.
    expect(md).toMatch(/\| alice \(U0ALICE\) \| approval\.request \| containment/);
    expect(md).toMatch(/\| bob \(U0BOB\) \| approval\.approve \| containment/);
    expect(md).toMatch(/\| bob \(U0BOB\) \| approval\.request \| recovery/);
    expect(md).toMatch(/\| carol \(U0CAROL\) \| approval\.approve \| recovery/);
    expect(md).toContain(`| Restored | ${encrypted.length} |`);
    expect(md).toMatch(/\[x\] \*\*SSE-C writes blocked/);
    expect(md).toMatch(/\[ \] \*\*Stolen access key deleted and credentials rotated\*\* — MISSING/);
    // AWS request ids of the containment calls are in the report.
    const containIds = h.bot.ctx.store.audit
      .forIncident(id)
      .find((e) => e.action === 'contain.result')!.awsRequestIds;
    expect(containIds.length).toBeGreaterThan(0);
    expect(md).toContain(`\`${containIds[0]}\``);
    // The report carries the audit chain's newest entry: an anchor kept outside the database.
    const anchor = /Newest entry: `(\d+):([0-9a-f]{64})`/.exec(md);
    expect(anchor).not.toBeNull();
    const held = { seq: Number(anchor![1]), hash: anchor![2]! };
    expect(h.bot.ctx.store.audit.verify(held)).toMatchObject({ ok: true });
    expect(h.bot.ctx.store.audit.verify({ ...held, hash: 'f'.repeat(64) })).toMatchObject({ ok: false });

    // No one was refused anything along the way.
    expect(h.standIn.ephemerals().filter((e) => e.text.includes(':no_entry_sign:'))).toEqual([]);
    // Every call the bot made to Slack was accepted.
    expect(h.standIn.calls.filter((c) => !c.ok).map((c) => `${c.method}: ${c.error}`)).toEqual([]);
  }, 120_000);
});
