import type { AddressInfo } from 'node:net';
import { App, type BlockAction, HTTPReceiver, LogLevel } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSlackDriver,
  type SlackDriver,
  type SlackStandIn,
  startSlackApiStandIn,
} from '../../src/sandbox/slack/index.ts';

const SIGNING_SECRET = 'test-only-signing-secret';
const CHANNEL = 'C0INCIDENT';
const FORM = 'application/x-www-form-urlencoded';

describe('Slack driver against a real Bolt app over HTTP', () => {
  let standIn: SlackStandIn;
  let app: App;
  let driver: SlackDriver;
  const seen: { actions: BlockAction[]; submissions: Record<string, unknown>[] } = {
    actions: [],
    submissions: [],
  };

  beforeAll(async () => {
    standIn = await startSlackApiStandIn({ users: [{ id: 'U0ALICE', name: 'alice' }] });
    const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, logLevel: LogLevel.ERROR });
    app = new App({
      token: standIn.botToken,
      receiver,
      clientOptions: { slackApiUrl: standIn.apiUrl },
      logLevel: LogLevel.ERROR,
    });
    app.command('/ssec', async ({ command, ack, respond, client }) => {
      const [sub] = command.text.trim().split(/\s+/);
      if (sub === 'help') return ack('Subcommands: help, declare, status');
      await ack();
      if (sub === 'declare') {
        await client.views.open({
          trigger_id: command.trigger_id,
          view: {
            type: 'modal',
            callback_id: 'declare',
            private_metadata: command.channel_id,
            title: { type: 'plain_text', text: 'Declare incident' },
            submit: { type: 'plain_text', text: 'Declare' },
            blocks: [
              {
                type: 'input',
                block_id: 'bucket',
                label: { type: 'plain_text', text: 'Bucket' },
                element: { type: 'plain_text_input', action_id: 'name' },
              },
              {
                type: 'input',
                block_id: 'severity',
                label: { type: 'plain_text', text: 'Severity' },
                element: {
                  type: 'static_select',
                  action_id: 'level',
                  options: [
                    { text: { type: 'plain_text', text: 'High' }, value: 'high' },
                    { text: { type: 'plain_text', text: 'Low' }, value: 'low' },
                  ],
                },
              },
            ],
          },
        });
        return;
      }
      await respond({ text: `Unknown subcommand: ${sub}` });
    });
    app.action<BlockAction>(/^(approve|reject|open_incident)$/, async ({ ack, body, respond }) => {
      await ack();
      seen.actions.push(body);
      if (body.container.type === 'message') {
        await respond({
          replace_original: true,
          text: `${body.actions[0]?.action_id} by <@${body.user.id}>`,
        });
      }
    });
    app.view('declare', async ({ ack, view }) => {
      seen.submissions.push(view as unknown as Record<string, unknown>);
      const bucket = view.state.values.bucket?.name?.value ?? '';
      if (bucket === '') return ack({ response_action: 'errors', errors: { bucket: 'Name the bucket' } });
      return ack();
    });
    app.event('app_home_opened', async ({ event, client }) => {
      await client.views.publish({
        user_id: event.user,
        view: {
          type: 'home',
          blocks: [
            { type: 'section', text: { type: 'mrkdwn', text: '*Open incidents*' } },
            {
              type: 'actions',
              elements: [
                {
                  type: 'button',
                  action_id: 'open_incident',
                  value: 'INC-1',
                  text: { type: 'plain_text', text: 'INC-1' },
                },
              ],
            },
          ],
        },
      });
    });
    const server = await app.start(0);
    const { port } = server.address() as AddressInfo;
    driver = createSlackDriver({
      botUrl: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: SIGNING_SECRET,
      standIn,
      defaultChannelId: CHANNEL,
    });
  });

  afterAll(async () => {
    await app.stop();
    await standIn.stop();
  });

  it('sends a signed slash command that Bolt verifies and acknowledges with text', async () => {
    const res = await driver.slashCommand({ userId: 'U0ALICE', text: 'help' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('Subcommands: help, declare, status');
    expect(res.ms).toBeLessThan(3000);
    // Slack shows an ack body to the user who typed the command.
    expect(standIn.ephemerals({ user: 'U0ALICE' }).find((e) => e.source === 'command_ack')?.text).toBe(
      'Subcommands: help, declare, status',
    );
  });

  it('gives the command a response_url that the bot can answer through', async () => {
    const res = await driver.slashCommand({ userId: 'U0ALICE', text: 'frobnicate' });
    expect(res.status).toBe(200);
    const answer = await standIn.waitFor(() =>
      standIn.ephemerals({ user: 'U0ALICE' }).find((e) => e.text === 'Unknown subcommand: frobnicate'),
    );
    expect(answer.source).toBe('response_url');
    expect(answer.channel).toBe(CHANNEL);
  });

  it('refuses a wrong signature, a stale timestamp and a body changed after signing with 401', async () => {
    const body = new URLSearchParams({ command: '/ssec', text: 'help', user_id: 'U0ALICE' }).toString();
    const wrong = await driver.raw(body, {
      'content-type': FORM,
      ...driver.sign(body),
      'x-slack-signature': 'v0=00ff',
    });
    expect(wrong.status).toBe(401);
    const stale = await driver.raw(body, {
      'content-type': FORM,
      ...driver.sign(body, Math.floor(Date.now() / 1000) - 600),
    });
    expect(stale.status).toBe(401);
    const tampered = await driver.raw(`${body}&extra=1`, { 'content-type': FORM, ...driver.sign(body) });
    expect(tampered.status).toBe(401);
    const unsigned = await driver.raw(body, { 'content-type': FORM });
    expect(unsigned.status).toBe(401);
  });

  it('clicks the button the bot really posted, in a thread, and sees the bot replace the message', async () => {
    const root = await app.client.chat.postMessage({ channel: CHANNEL, text: 'INC-1' });
    const posted = await app.client.chat.postMessage({
      channel: CHANNEL,
      thread_ts: root.ts as string,
      text: 'Approve containment?',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'Disable key *AKIAEXAMPLE*?' } },
        {
          type: 'actions',
          block_id: 'decision',
          elements: [
            {
              type: 'button',
              action_id: 'approve',
              value: 'contain:INC-1',
              style: 'primary',
              text: { type: 'plain_text', text: 'Approve' },
            },
            {
              type: 'button',
              action_id: 'reject',
              value: 'contain:INC-1',
              text: { type: 'plain_text', text: 'Reject' },
            },
          ],
        },
      ],
    });
    const ts = posted.ts as string;
    const res = await driver.clickButton({ userId: 'U0ALICE', channel: CHANNEL, ts, actionId: 'approve' });
    expect(res.status).toBe(200);
    const body = seen.actions.at(-1);
    expect(body?.actions[0]).toMatchObject({
      action_id: 'approve',
      block_id: 'decision',
      value: 'contain:INC-1',
    });
    expect(body?.container).toMatchObject({
      type: 'message',
      message_ts: ts,
      channel_id: CHANNEL,
      thread_ts: root.ts,
    });
    expect(body?.message?.ts).toBe(ts);
    const replaced = await standIn.waitFor(() => {
      const m = standIn.message(CHANNEL, ts);
      return m?.text === 'approve by <@U0ALICE>' ? m : undefined;
    });
    expect(replaced.blocks).toBeUndefined();
    await expect(
      driver.clickButton({ userId: 'U0ALICE', channel: CHANNEL, ts, actionId: 'approve' }),
    ).rejects.toThrow(/no element with action_id "approve"/);
  });

  it('clicks a button on an ephemeral message: no message in the payload, the ephemeral is replaced', async () => {
    const eph = await app.client.chat.postEphemeral({
      channel: CHANNEL,
      user: 'U0ALICE',
      text: 'Only you can approve',
      blocks: [
        {
          type: 'actions',
          elements: [{ type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' } }],
        },
      ],
    });
    const ts = eph.message_ts as string;
    const res = await driver.clickButton({ userId: 'U0ALICE', channel: CHANNEL, ts, actionId: 'approve' });
    expect(res.status).toBe(200);
    const body = seen.actions.at(-1);
    expect(body?.container).toMatchObject({ type: 'message', message_ts: ts, is_ephemeral: true });
    expect(body?.message).toBeUndefined();
    const replaced = await standIn.waitFor(() =>
      standIn.ephemerals({ user: 'U0ALICE' }).find((e) => e.ts === ts && e.text === 'approve by <@U0ALICE>'),
    );
    expect(replaced.blocks).toBeUndefined();
    await expect(
      driver.clickButton({ userId: 'U0BOB', channel: CHANNEL, ts, actionId: 'approve' }),
    ).rejects.toThrow(/only U0ALICE can see/);
  });

  it('sends a bare block action with the given action id and value', async () => {
    const res = await driver.blockAction({ userId: 'U0ALICE', actionId: 'reject', value: 'recover:INC-2' });
    expect(res.status).toBe(200);
    expect(seen.actions.at(-1)?.actions[0]).toMatchObject({ action_id: 'reject', value: 'recover:INC-2' });
  });

  it('opens a modal with the command trigger_id and submits it with typed values', async () => {
    await driver.slashCommand({ userId: 'U0ALICE', text: 'declare' });
    const modal = await standIn.waitFor(() =>
      standIn.views('U0ALICE').find((v) => v.callback_id === 'declare' && v.open),
    );

    const empty = await driver.viewSubmission({ userId: 'U0ALICE', callbackId: 'declare', values: {} });
    expect(empty.status).toBe(200);
    expect(empty.outcome).toMatchObject({ action: 'errors', errors: { bucket: 'Name the bucket' } });
    expect(standIn.view(modal.id)?.open).toBe(true);

    const done = await driver.viewSubmission({
      userId: 'U0ALICE',
      callbackId: 'declare',
      values: { bucket: { name: 'acme-data' }, severity: { level: 'high' } },
    });
    expect(done.status).toBe(200);
    expect(done.outcome?.action).toBe('closed');
    expect(standIn.view(modal.id)?.open).toBe(false);
    const submitted = seen.submissions.at(-1) as {
      private_metadata: string;
      state: { values: Record<string, unknown> };
    };
    expect(submitted.private_metadata).toBe(CHANNEL);
    expect(submitted.state.values).toEqual({
      bucket: { name: { type: 'plain_text_input', value: 'acme-data' } },
      severity: {
        level: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: 'High' }, value: 'high' },
        },
      },
    });
  });

  it('delivers app_home_opened as an event callback, then clicks a Home tab button', async () => {
    const res = await driver.appHomeOpened('U0ALICE');
    expect(res.status).toBe(200);
    const home = await standIn.waitFor(() => standIn.homeView('U0ALICE'));
    expect(home.blocks).toHaveLength(2);
    const click = await driver.clickViewButton({ userId: 'U0ALICE', actionId: 'open_incident' });
    expect(click.status).toBe(200);
    expect(seen.actions.at(-1)).toMatchObject({
      container: { type: 'view', view_id: home.id },
      actions: [{ action_id: 'open_incident', value: 'INC-1' }],
    });
  });
});
