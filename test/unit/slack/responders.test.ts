import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.ts';
import { type SlackStandIn, startSlackApiStandIn } from '../../../src/sandbox/slack/stand-in.ts';
import { createRespondersResolver } from '../../../src/slack/responders.ts';

let standIn: SlackStandIn;
let client: WebClient;

beforeAll(async () => {
  standIn = await startSlackApiStandIn({ usergroups: { S0ONCALL: ['U0CAROL', 'U0DAVE'], S0EMPTY: [] } });
  client = new WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } });
});
afterAll(async () => standIn?.stop());

const lookups = () => standIn.callsTo('usergroups.users.list').length;

function resolver(responders: string[], opts: { ttlMs?: number; now?: () => number } = {}) {
  return createRespondersResolver({ client, responders, logger: silentLogger(), ...opts });
}

describe('responders resolver', () => {
  it('accepts listed users without asking Slack, and nobody else', async () => {
    const before = lookups();
    const r = resolver(['U0ALICE', 'W0ENTERPRISE']);
    expect(await r.isResponder('U0ALICE')).toBe(true);
    expect(await r.isResponder('W0ENTERPRISE')).toBe(true);
    expect(await r.isResponder('U0MALLORY')).toBe(false);
    expect(lookups()).toBe(before);
  });

  it('resolves user-group members through usergroups.users.list, and caches them for the TTL', async () => {
    let now = 1_000_000;
    const before = lookups();
    const r = resolver(['U0ALICE', 'S0ONCALL'], { ttlMs: 60_000, now: () => now });
    expect(await r.isResponder('U0CAROL')).toBe(true);
    expect(await r.isResponder('U0DAVE')).toBe(true);
    expect(await r.isResponder('U0MALLORY')).toBe(false);
    expect(lookups()).toBe(before + 1);
    const call = standIn.callsTo('usergroups.users.list').at(-1)!;
    expect(call.args.usergroup).toBe('S0ONCALL');

    // Membership changes in Slack are seen once the cache expires.
    standIn.workspace.usergroups.set('S0ONCALL', ['U0DAVE']);
    now += 59_000;
    expect(await r.isResponder('U0CAROL')).toBe(true);
    expect(lookups()).toBe(before + 1);
    now += 2_000;
    expect(await r.isResponder('U0CAROL')).toBe(false);
    expect(lookups()).toBe(before + 2);
    expect(await r.members()).toEqual(['U0ALICE', 'U0DAVE']);
    standIn.workspace.usergroups.set('S0ONCALL', ['U0CAROL', 'U0DAVE']);
  });

  it('fifty simultaneous checks make one lookup', async () => {
    const before = lookups();
    const r = resolver(['S0ONCALL']);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => r.isResponder(i % 2 ? 'U0CAROL' : 'U0X')),
    );
    expect(answers.filter(Boolean)).toHaveLength(25);
    expect(lookups()).toBe(before + 1);
  });

  it('fails closed for a group Slack does not know, and keeps last known members when Slack errs later', async () => {
    const r1 = resolver(['S0UNKNOWN']);
    expect(await r1.isResponder('U0CAROL')).toBe(false);
    expect(standIn.callsTo('usergroups.users.list').at(-1)).toMatchObject({
      ok: false,
      error: 'no_such_subteam',
    });

    // Rate-limited with a long Retry-After and told not to wait: the lookup itself fails.
    const impatient = new WebClient(standIn.botToken, {
      slackApiUrl: standIn.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    let now = 0;
    const make = () =>
      createRespondersResolver({
        client: impatient,
        responders: ['S0ONCALL'],
        logger: silentLogger(),
        ttlMs: 1000,
        now: () => now,
      });
    const known = make();
    expect(await known.isResponder('U0CAROL')).toBe(true);
    now += 5000;
    standIn.rateLimitNext('usergroups.users.list', 30);
    expect(await known.isResponder('U0CAROL')).toBe(true);
    standIn.rateLimitNext('usergroups.users.list', 30);
    expect(await make().isResponder('U0CAROL')).toBe(false);
    expect(standIn.callsTo('usergroups.users.list').at(-1)).toMatchObject({ status: 429 });
  });
});
