import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ParsedAlert } from '../../src/alerts/index.ts';
import { type RunningApp, startApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createAppContext } from '../../src/context.ts';
import { type AlertIntake, createAlertIntake } from '../../src/intake/alert-intake.ts';
import { silentLogger } from '../../src/logger.ts';
import { eventBridgeRoute, snsRoute } from '../../src/receivers/alert-routes.ts';
import { type SlackStandIn, startSlackApiStandIn } from '../../src/sandbox/slack/stand-in.ts';
import type { Incident } from '../../src/store/incidents.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { createSnsSigner, type SnsSigner, snsConfirmation, snsNotification } from '../helpers/sns-signer.ts';
import { tempDir } from '../helpers/temp.ts';

const TOKEN = 'test-alert-token-0123456789abcdef';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:guardduty-findings';
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/alerts/${name}`, import.meta.url), 'utf8');

interface Recorder {
  opened: { incident: Incident; alert: ParsedAlert }[];
  joined: { incident: Incident; added: { accessKeyIds: string[]; buckets: string[] } }[];
}

function makeIntake(store: Store, rec: Recorder): AlertIntake {
  return createAlertIntake({
    store,
    logger: silentLogger(),
    clock: () => new Date(),
    correlationMs: 24 * 3_600_000 * 365 * 10,
    lookbackMs: 3_600_000,
    hooks: {
      opened: async (incident, alert) => {
        rec.opened.push({ incident, alert });
      },
      joined: async (incident, _alert, added) => {
        rec.joined.push({ incident, added });
      },
    },
  });
}

describe('alert webhooks', () => {
  let app: RunningApp;
  let store: Store;
  let intake: AlertIntake;
  let signer: SnsSigner;
  let confirmed: string[];
  let rec: Recorder;
  let cleanup: () => void;
  let dbPath: string;
  let standIn: SlackStandIn;

  beforeAll(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    dbPath = join(t.dir, 'ssec.db');
    signer = await createSnsSigner();
    standIn = await startSlackApiStandIn();
    const config = loadConfig({
      SSEC_DB_PATH: dbPath,
      SLACK_BOT_TOKEN: standIn.botToken,
      SLACK_SIGNING_SECRET: 'unused-signing-secret',
      SLACK_API_URL: standIn.apiUrl,
      SSEC_INCIDENT_CHANNEL: 'C0INCIDENTS',
      SSEC_RESPONDERS: 'U0ALICE',
    });
    store = createStore(dbPath);
    rec = { opened: [], joined: [] };
    intake = makeIntake(store, rec);
    confirmed = [];
    const deps = {
      intake,
      audit: store.audit,
      logger: silentLogger(),
      token: TOKEN,
      snsTopics: [TOPIC],
      fetchCertificate: signer.fetchCertificate,
      confirmSubscription: async (url: string) => {
        confirmed.push(url);
      },
    };
    const ctx = createAppContext(config, { logger: silentLogger(), store });
    app = await startApp(ctx, {
      port: 0,
      host: '127.0.0.1',
      routes: { 'POST /alerts/eventbridge': eventBridgeRoute(deps), 'POST /alerts/sns': snsRoute(deps) },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await standIn?.stop();
    cleanup?.();
  });

  beforeEach(() => {
    rec.opened.length = 0;
    rec.joined.length = 0;
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  const eb = (body: string, token: string | null = TOKEN) =>
    post('/alerts/eventbridge', body, token === null ? {} : { 'x-ssec-alert-token': token });

  it('refuses a missing or wrong token with 401 and an audit entry', async () => {
    const before = store.audit.entries().length;
    expect((await eb(fixture('eventbridge-guardduty-s3-anomalous-write.json'), null)).status).toBe(401);
    expect((await eb(fixture('eventbridge-guardduty-s3-anomalous-write.json'), `${TOKEN}x`)).status).toBe(
      401,
    );
    const refusals = store.audit.entries().slice(before);
    expect(refusals.map((e) => [e.action, e.outcome])).toEqual([
      ['alert.refused', 'refused'],
      ['alert.refused', 'refused'],
    ]);
    expect(store.db.prepare('SELECT count(*) AS n FROM alerts').get()).toEqual({ n: 0 });
  });

  it('answers malformed JSON with 400 and the reason, and an oversized body with 413', async () => {
    const bad = await eb('{"detail": ');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/not valid JSON/);
    const big = await eb(JSON.stringify({ pad: 'x'.repeat(300 * 1024) }));
    expect(big.status).toBe(413);
  });

  it('opens one incident from a GuardDuty finding, handles a redelivery once, and joins a related CloudTrail event', async () => {
    const res = await eb(fixture('eventbridge-guardduty-s3-anomalous-write.json'));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'accepted', duplicate: false });
    const again = await eb(fixture('eventbridge-guardduty-s3-anomalous-write.json'));
    expect(await again.json()).toMatchObject({ status: 'accepted', duplicate: true });
    await intake.idle();
    expect(rec.opened).toHaveLength(1);
    const incident = rec.opened[0]!.incident;
    expect(incident.accessKeyIds).toEqual(['AKIAEXAMPLEKEY000001']);
    expect(incident.buckets).toEqual(['acme-invoices']);

    const ct = await eb(fixture('eventbridge-cloudtrail-copyobject-ssec.json'));
    expect(ct.status).toBe(202);
    await intake.idle();
    expect(rec.opened).toHaveLength(1);
    expect(rec.joined.map((j) => j.incident.id)).toEqual([incident.id]);
    expect(store.incidents.get(incident.id)!.alertCount).toBeGreaterThan(incident.alertCount);
  });

  it('stores and ignores well-formed irrelevant events with 202', async () => {
    const res = await eb(fixture('eventbridge-guardduty-ec2-portprobe.json'));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { status: string; alertId: number };
    expect(body.status).toBe('ignored');
    expect(store.alerts.get(body.alertId)).toMatchObject({ status: 'ignored' });
    await intake.idle();
    expect(rec.opened).toHaveLength(0);
  });

  it('accepts a signed SNS notification and refuses a changed byte, a foreign certificate host and an unlisted topic', async () => {
    const inner = JSON.parse(fixture('eventbridge-guardduty-attack-sequence.json'));
    const good = signer.sign(snsNotification({ topicArn: TOPIC, message: JSON.stringify(inner) }));
    const ok = await post('/alerts/sns', JSON.stringify(good));
    expect(ok.status).toBe(202);
    await intake.idle();
    expect(rec.opened.length + rec.joined.length).toBe(1);

    const tampered = { ...good, Message: String(good.Message).replace('"', '" ') };
    expect((await post('/alerts/sns', JSON.stringify(tampered))).status).toBe(403);
    const foreign = signer.sign(snsNotification({ topicArn: TOPIC, message: '{}' }), {
      certUrl: 'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem',
    });
    expect((await post('/alerts/sns', JSON.stringify(foreign))).status).toBe(403);
    const unlisted = signer.sign(
      snsNotification({
        topicArn: 'arn:aws:sns:us-east-1:123456789012:other',
        message: JSON.stringify(inner),
      }),
    );
    expect((await post('/alerts/sns', JSON.stringify(unlisted))).status).toBe(403);
  });

  it('confirms subscriptions only for listed topics', async () => {
    const listed = signer.sign(snsConfirmation({ topicArn: TOPIC }));
    expect((await post('/alerts/sns', JSON.stringify(listed))).status).toBe(200);
    const other = signer.sign(snsConfirmation({ topicArn: 'arn:aws:sns:us-east-1:123456789012:other' }));
    expect((await post('/alerts/sns', JSON.stringify(other))).status).toBe(403);
    expect(confirmed).toEqual([listed.SubscribeURL]);
  });

  it('never answers 5xx to random or mutated payloads, and stays up', async () => {
    const seeds = [
      fixture('eventbridge-guardduty-s3-anomalous-write.json'),
      fixture('eventbridge-cloudtrail-copyobject-ssec.json'),
      fixture('eventbridge-cloudtrail-putbucketlifecycle.json'),
    ].map((s) => JSON.parse(s));
    const mutated = fc
      .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.string(), fc.jsonValue()), { maxLength: 4 }))
      .map(([seed, edits]) => {
        const copy = structuredClone(seed) as Record<string, unknown>;
        const detail = (copy.detail ?? {}) as Record<string, unknown>;
        for (const [k, v] of edits) (edits.length % 2 ? copy : detail)[k] = v;
        return JSON.stringify(copy);
      });
    const body = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
      mutated,
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (b, toSns) => {
        const res = toSns ? await post('/alerts/sns', b) : await eb(b);
        await res.arrayBuffer();
        return res.status >= 200 && res.status < 500;
      }),
      { numRuns: 1500 },
    );
    await intake.idle();
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it('opens the incident after a restart between accepting and processing an alert', async () => {
    const t = tempDir();
    try {
      const path = join(t.dir, 'restart.db');
      const first = createStore(path);
      const r1: Recorder = { opened: [], joined: [] };
      const dying = makeIntake(first, r1);
      // The process "dies" right after the raw alert is stored: nothing gets processed.
      await dying.stop();
      expect(
        dying.accept(
          'eventbridge',
          fixture('eventbridge-guardduty-s3-anomalous-write.json'),
          JSON.parse(fixture('eventbridge-guardduty-s3-anomalous-write.json')),
        ).status,
      ).toBe('accepted');
      await dying.idle();
      expect(r1.opened).toHaveLength(0);
      first.close();

      const second = createStore(path);
      const r2: Recorder = { opened: [], joined: [] };
      await makeIntake(second, r2).drain();
      expect(r2.opened.map((o) => o.incident.buckets)).toEqual([['acme-invoices']]);
      expect(second.alerts.pending(5)).toEqual([]);
      second.close();
    } finally {
      t.cleanup();
    }
  });
});
