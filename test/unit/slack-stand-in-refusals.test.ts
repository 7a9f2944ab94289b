import type { KnownBlock } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackApiStandIn } from '../../src/sandbox/slack/index.ts';
import { button, clientFor, modal, section, slackError } from '../helpers/slack-stand-in.ts';

const CHANNEL = 'C0INCIDENT';
const blocks = (list: unknown[]) => list as KnownBlock[];

describe('Slack API stand-in refuses what Slack refuses', () => {
  let standIn: SlackStandIn;
  let client: ReturnType<typeof clientFor>;
  let clock = Date.now();

  beforeAll(async () => {
    standIn = await startSlackApiStandIn({
      channels: [{ id: CHANNEL, name: 'incident' }],
      users: [{ id: 'U0ALICE', name: 'alice' }],
      now: () => clock,
    });
    client = clientFor(standIn);
  });
  afterAll(async () => {
    await standIn.stop();
  });

  it('not_authed without a token, invalid_auth with the wrong one', async () => {
    expect((await slackError(clientFor(standIn, null).auth.test())).error).toBe('not_authed');
    expect((await slackError(clientFor(standIn, 'not-the-bot-token').auth.test())).error).toBe(
      'invalid_auth',
    );
  });

  it('unknown_method for methods Slack does not have', async () => {
    expect((await slackError(client.apiCall('incidents.declare'))).error).toBe('unknown_method');
  });

  it('missing required arguments, as invalid_arguments naming the field', async () => {
    const noChannel = await slackError(client.apiCall('chat.postMessage', { text: 'hi' }));
    expect(noChannel).toEqual({
      error: 'invalid_arguments',
      messages: ['[ERROR] missing required field: channel'],
    });
    const noTs = await slackError(client.apiCall('chat.update', { channel: CHANNEL, text: 'hi' }));
    expect(noTs.messages).toEqual(['[ERROR] missing required field: ts']);
  });

  it('no_text without text or blocks, msg_too_long past 40,000 characters', async () => {
    expect((await slackError(client.apiCall('chat.postMessage', { channel: CHANNEL }))).error).toBe(
      'no_text',
    );
    const long = 'x'.repeat(40_001);
    expect((await slackError(client.chat.postMessage({ channel: CHANNEL, text: long }))).error).toBe(
      'msg_too_long',
    );
    const ok = await client.chat.postMessage({ channel: CHANNEL, text: 'x'.repeat(40_000) });
    expect(ok.ok).toBe(true);
  });

  it('more than 50 blocks in a message', async () => {
    const fifty = Array.from({ length: 50 }, (_, i) => section(`row ${i}`));
    expect((await client.chat.postMessage({ channel: CHANNEL, text: 't', blocks: blocks(fifty) })).ok).toBe(
      true,
    );
    const refused = await slackError(
      client.chat.postMessage({
        channel: CHANNEL,
        text: 't',
        blocks: blocks([...fifty, section('one too many')]),
      }),
    );
    expect(refused).toEqual({
      error: 'invalid_blocks',
      messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'],
    });
  });

  it('more than 100 blocks in a modal or the Home tab', async () => {
    const hundred = Array.from({ length: 100 }, (_, i) => section(`row ${i}`));
    const ok = await client.views.publish({
      user_id: 'U0ALICE',
      view: { type: 'home', blocks: blocks(hundred) },
    });
    expect(ok.ok).toBe(true);
    const refused = await slackError(
      client.views.open({
        trigger_id: standIn.triggerId('U0ALICE'),
        view: modal([...hundred, section('x')]) as never,
      }),
    );
    expect(refused.error).toBe('invalid_arguments');
    expect(refused.messages).toContain('[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]');
  });

  it('text limits: section 3,000, header 150, button 75', async () => {
    const post = (b: unknown[]) =>
      client.chat.postMessage({ channel: CHANNEL, text: 't', blocks: blocks(b) });
    expect((await post([section('s'.repeat(3000))])).ok).toBe(true);
    expect(await slackError(post([section('s'.repeat(3001))]))).toEqual({
      error: 'invalid_blocks',
      messages: ['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
    });
    const header = (n: number) => ({ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(n) } });
    expect((await post([header(150)])).ok).toBe(true);
    expect((await slackError(post([header(151)]))).messages).toEqual([
      '[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]',
    ]);
    const actions = (n: number) => ({ type: 'actions', elements: [button('go', 'b'.repeat(n))] });
    expect((await post([actions(75)])).ok).toBe(true);
    expect((await slackError(post([actions(76)]))).messages).toEqual([
      '[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    ]);
  });

  it('duplicate action_id or block_id within one message, and unknown block types', async () => {
    const post = (b: unknown[]) =>
      client.chat.postMessage({ channel: CHANNEL, text: 't', blocks: blocks(b) });
    const dupAction = await slackError(
      post([
        { type: 'actions', elements: [button('approve', 'Approve')] },
        { type: 'actions', elements: [button('approve', 'Approve again')] },
      ]),
    );
    expect(dupAction.messages).toEqual([
      '[ERROR] duplicate action_id: approve [json-pointer:/blocks/1/elements/0/action_id]',
    ]);
    const dupBlock = await slackError(post([section('a', 'panel'), section('b', 'panel')]));
    expect(dupBlock.messages).toEqual([
      '[ERROR] duplicate block_id: panel [json-pointer:/blocks/1/block_id]',
    ]);
    const unknown = await slackError(post([{ type: 'marquee', text: 'hi' }]));
    expect(unknown).toEqual({
      error: 'invalid_blocks',
      messages: ['[ERROR] unsupported block type: marquee [json-pointer:/blocks/0/type]'],
    });
    expect(
      (await slackError(client.apiCall('chat.postMessage', { channel: CHANNEL, blocks: '[{' }))).error,
    ).toBe('invalid_blocks_format');
  });

  it('chat.update of an unknown ts is message_not_found', async () => {
    const refused = await slackError(
      client.chat.update({ channel: CHANNEL, ts: '1700000000.000001', text: 'x' }),
    );
    expect(refused.error).toBe('message_not_found');
  });

  it('channel_not_found outside a fixed channel list', async () => {
    expect((await slackError(client.chat.postMessage({ channel: 'C0ELSEWHERE', text: 'x' }))).error).toBe(
      'channel_not_found',
    );
    expect((await client.chat.postMessage({ channel: '#incident', text: 'by name' })).channel).toBe(CHANNEL);
  });

  it('trigger ids: unknown, used twice, and expired after 3 seconds', async () => {
    const view = modal([section('hello')]) as never;
    const unknown = await slackError(client.views.open({ trigger_id: '1.2.nope', view }));
    expect(unknown).toEqual({ error: 'invalid_arguments', messages: ['invalid `trigger_id`'] });
    const trigger = standIn.triggerId('U0ALICE');
    expect((await client.views.open({ trigger_id: trigger, view })).ok).toBe(true);
    expect((await slackError(client.views.open({ trigger_id: trigger, view }))).error).toBe(
      'exchanged_trigger_id',
    );
    const late = standIn.triggerId('U0ALICE');
    clock += 3001;
    expect((await slackError(client.views.open({ trigger_id: late, view }))).error).toBe(
      'expired_trigger_id',
    );
  });

  it('views.update with a stale hash is hash_conflict; modal titles over 24 characters are refused', async () => {
    const opened = await client.views.open({
      trigger_id: standIn.triggerId('U0ALICE'),
      view: modal([section('v1')]) as never,
    });
    const id = (opened.view as { id: string }).id;
    const stale = await slackError(
      client.views.update({ view_id: id, hash: '1.stale', view: modal([section('v2')]) as never }),
    );
    expect(stale.error).toBe('hash_conflict');
    const longTitle = modal([section('x')], { title: { type: 'plain_text', text: 't'.repeat(25) } }) as never;
    const refused = await slackError(
      client.views.open({ trigger_id: standIn.triggerId('U0ALICE'), view: longTitle }),
    );
    expect(refused.messages).toContain(
      '[ERROR] must be less than 25 characters [json-pointer:/view/title/text]',
    );
  });

  it('refuses unknown users, user groups, files, and doing a pin or reaction twice', async () => {
    expect((await slackError(client.users.info({ user: 'U0NOBODY' }))).error).toBe('user_not_found');
    expect((await slackError(client.usergroups.users.list({ usergroup: 'S0NONE' }))).error).toBe(
      'no_such_subteam',
    );
    const files = JSON.stringify([{ id: 'F0MISSING' }]);
    expect((await slackError(client.apiCall('files.completeUploadExternal', { files }))).error).toBe(
      'file_not_found',
    );
    const msg = await client.chat.postMessage({ channel: CHANNEL, text: 'pin me' });
    await client.pins.add({ channel: CHANNEL, timestamp: msg.ts as string });
    expect((await slackError(client.pins.add({ channel: CHANNEL, timestamp: msg.ts as string }))).error).toBe(
      'already_pinned',
    );
    await client.reactions.add({ channel: CHANNEL, timestamp: msg.ts as string, name: 'eyes' });
    expect(
      (
        await slackError(
          client.reactions.add({ channel: CHANNEL, timestamp: msg.ts as string, name: 'eyes' }),
        )
      ).error,
    ).toBe('already_reacted');
  });

  it('records refused calls with their error', async () => {
    await slackError(client.chat.update({ channel: CHANNEL, ts: '1700000000.000009', text: 'x' }));
    const last = standIn.callsTo('chat.update').at(-1);
    expect(last).toMatchObject({ ok: false, error: 'message_not_found', status: 200 });
  });
});
