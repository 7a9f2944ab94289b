import type { KnownBlock } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackApiStandIn } from '../../src/sandbox/slack/index.ts';
import { button, clientFor, modal, section } from '../helpers/slack-stand-in.ts';

const CHANNEL = 'C0INCIDENT';

describe('Slack API stand-in answers the real WebClient', () => {
  let standIn: SlackStandIn;
  let client: ReturnType<typeof clientFor>;

  beforeAll(async () => {
    standIn = await startSlackApiStandIn({
      users: [{ id: 'U0ALICE', name: 'alice', realName: 'Alice Responder', email: 'alice@example.test' }],
      usergroups: { S0RESPOND: ['U0ALICE', 'U0BOB'] },
    });
    client = clientFor(standIn);
  });
  afterAll(async () => {
    await standIn.stop();
  });

  it('auth.test reports the bot and workspace', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({
      ok: true,
      user_id: standIn.bot.userId,
      bot_id: standIn.bot.botId,
      team_id: standIn.team.id,
    });
  });

  it('keeps a thread: parent and replies with increasing ts, replies filed under the root', async () => {
    const root = await client.chat.postMessage({
      channel: CHANNEL,
      text: 'Incident INC-1',
      blocks: [section('*INC-1* declared') as KnownBlock],
    });
    expect(root.ok).toBe(true);
    const rootTs = root.ts as string;
    const r1 = await client.chat.postMessage({ channel: CHANNEL, thread_ts: rootTs, text: 'first reply' });
    // Slack files a reply to a reply under the thread's parent.
    const r2 = await client.chat.postMessage({
      channel: CHANNEL,
      thread_ts: r1.ts as string,
      text: 'second reply',
    });
    const thread = standIn.thread(CHANNEL, rootTs);
    expect(thread.map((m) => m.text)).toEqual(['Incident INC-1', 'first reply', 'second reply']);
    expect(thread.map((m) => m.ts)).toEqual([rootTs, r1.ts, r2.ts]);
    expect(Number(r1.ts) < Number(r2.ts) && Number(rootTs) < Number(r1.ts)).toBe(true);
    expect(thread[2]?.thread_ts).toBe(rootTs);
    // Slack gives blocks without a block_id one of its own.
    expect(thread[0]?.blocks?.[0]?.block_id).toMatch(/\S+/);

    const replies = await client.conversations.replies({ channel: CHANNEL, ts: rootTs });
    expect(replies.messages?.map((m) => m.text)).toEqual(['Incident INC-1', 'first reply', 'second reply']);
    expect(replies.messages?.[0]).toMatchObject({ reply_count: 2, thread_ts: rootTs });

    const history = await client.conversations.history({ channel: CHANNEL });
    expect(history.messages?.map((m) => m.ts)).toEqual([rootTs]);
  });

  it('pages conversations.replies with cursors', async () => {
    const root = await client.chat.postMessage({ channel: CHANNEL, text: 'paged' });
    for (const n of [1, 2, 3]) {
      await client.chat.postMessage({ channel: CHANNEL, thread_ts: root.ts as string, text: `reply ${n}` });
    }
    const first = await client.conversations.replies({ channel: CHANNEL, ts: root.ts as string, limit: 2 });
    expect(first.has_more).toBe(true);
    const second = await client.conversations.replies({
      channel: CHANNEL,
      ts: root.ts as string,
      limit: 2,
      cursor: first.response_metadata?.next_cursor as string,
    });
    expect([...(first.messages ?? []), ...(second.messages ?? [])].map((m) => m.text)).toEqual([
      'paged',
      'reply 1',
      'reply 2',
      'reply 3',
    ]);
    expect(second.has_more).toBe(false);
  });

  it('chat.update edits in place and keeps blocks when only text changes', async () => {
    const posted = await client.chat.postMessage({
      channel: CHANNEL,
      text: 'Phase: contain',
      blocks: [section('Phase: *contain*') as KnownBlock],
    });
    const ts = posted.ts as string;
    const updated = await client.chat.update({
      channel: CHANNEL,
      ts,
      text: 'Phase: assess',
      blocks: [section('Phase: *assess*') as KnownBlock],
    });
    expect(updated).toMatchObject({ ok: true, ts, channel: CHANNEL, text: 'Phase: assess' });
    await client.chat.update({ channel: CHANNEL, ts, text: 'Phase: assess (fallback only)' });
    const msg = standIn.message(CHANNEL, ts);
    expect(msg?.text).toBe('Phase: assess (fallback only)');
    expect(msg?.blocks?.[0]?.text).toMatchObject({ text: 'Phase: *assess*' });
    expect(msg?.edited?.user).toBe(standIn.bot.userId);
    expect(standIn.messages(CHANNEL).filter((m) => m.ts === ts)).toHaveLength(1);
  });

  it('chat.postEphemeral is seen only by its user', async () => {
    const res = await client.chat.postEphemeral({ channel: CHANNEL, user: 'U0ALICE', text: 'only for you' });
    expect(res.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(standIn.ephemerals({ user: 'U0ALICE' }).map((e) => e.text)).toContain('only for you');
    expect(standIn.allMessages(CHANNEL).some((m) => m.text === 'only for you')).toBe(false);
  });

  it('chat.getPermalink links messages and thread replies', async () => {
    const root = await client.chat.postMessage({ channel: CHANNEL, text: 'root' });
    const reply = await client.chat.postMessage({
      channel: CHANNEL,
      thread_ts: root.ts as string,
      text: 'reply',
    });
    const a = await client.chat.getPermalink({ channel: CHANNEL, message_ts: root.ts as string });
    const b = await client.chat.getPermalink({ channel: CHANNEL, message_ts: reply.ts as string });
    expect(a.permalink).toBe(
      `https://sandbox.slack.com/archives/${CHANNEL}/p${(root.ts as string).replace('.', '')}`,
    );
    expect(b.permalink).toContain(`?thread_ts=${root.ts}&cid=${CHANNEL}`);
  });

  it('chat.delete removes a message, and leaves a tombstone for a parent with replies', async () => {
    const lone = await client.chat.postMessage({ channel: CHANNEL, text: 'to delete' });
    await client.chat.delete({ channel: CHANNEL, ts: lone.ts as string });
    expect(standIn.message(CHANNEL, lone.ts as string)).toBeUndefined();
    const parent = await client.chat.postMessage({ channel: CHANNEL, text: 'parent' });
    await client.chat.postMessage({ channel: CHANNEL, thread_ts: parent.ts as string, text: 'child' });
    await client.chat.delete({ channel: CHANNEL, ts: parent.ts as string });
    expect(standIn.message(CHANNEL, parent.ts as string)?.subtype).toBe('tombstone');
    expect(standIn.thread(CHANNEL, parent.ts as string)).toHaveLength(2);
  });

  it('views.open, views.update (with hash) and views.publish keep each view', async () => {
    const trigger = standIn.triggerId('U0ALICE');
    const opened = await client.views.open({
      trigger_id: trigger,
      view: modal(
        [
          {
            type: 'input',
            block_id: 'bucket',
            label: { type: 'plain_text', text: 'Bucket' },
            element: { type: 'plain_text_input', action_id: 'name' },
          },
        ],
        {
          callback_id: 'declare',
          submit: { type: 'plain_text', text: 'Declare' },
          private_metadata: 'meta-1',
        },
      ) as never,
    });
    const view = opened.view as { id: string; hash: string; callback_id: string };
    expect(view.callback_id).toBe('declare');
    expect(standIn.views('U0ALICE').map((v) => v.id)).toContain(view.id);
    const updated = await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: modal([section('Working on it…')], { callback_id: 'declare' }) as never,
    });
    expect((updated.view as { hash: string }).hash).not.toBe(view.hash);
    expect(standIn.view(view.id)?.blocks[0]?.type).toBe('section');

    await client.views.publish({
      user_id: 'U0ALICE',
      view: { type: 'home', blocks: [section('Open incidents: 1')] } as never,
    });
    expect(standIn.homeView('U0ALICE')?.blocks).toHaveLength(1);
  });

  it('applies view_submission answers: update, push, then clear closes the whole stack', async () => {
    const opened = await client.views.open({
      trigger_id: standIn.triggerId('U0ALICE'),
      view: modal([section('step 1')], { callback_id: 'wizard' }) as never,
    });
    const id = (opened.view as { id: string }).id;
    const next = modal([section('step 2')], { callback_id: 'wizard' });
    expect(standIn.applyViewAck(id, JSON.stringify({ response_action: 'update', view: next }))?.action).toBe(
      'updated',
    );
    expect(standIn.view(id)?.blocks[0]).toMatchObject({ text: { text: 'step 2' } });
    const pushed = standIn.applyViewAck(id, JSON.stringify({ response_action: 'push', view: next }));
    expect(pushed).toMatchObject({
      action: 'pushed',
      view: { previous_view_id: id, root_view_id: id, open: true },
    });
    const bad = standIn.applyViewAck(
      id,
      JSON.stringify({ response_action: 'update', view: modal([{ type: 'nope' }]) }),
    );
    expect(bad?.action).toBe('refused');
    expect(standIn.applyViewAck(id, JSON.stringify({ response_action: 'clear' }))?.action).toBe('cleared');
    expect(
      standIn
        .views('U0ALICE')
        .filter((v) => v.root_view_id === id)
        .every((v) => !v.open),
    ).toBe(true);
  });

  it('waitFor gives up with an error after its timeout', async () => {
    await expect(standIn.waitFor(() => undefined, 50)).rejects.toThrow(/not met within 50 ms/);
  });

  it('runs the two-step file upload and shares the file into the thread', async () => {
    const root = await client.chat.postMessage({ channel: CHANNEL, text: 'assessment' });
    const csv = 'bucket,key,versionId\nacme-data,a%2Fb.txt,v1\n';
    const res = await client.filesUploadV2({
      channel_id: CHANNEL,
      thread_ts: root.ts as string,
      filename: 'affected-objects.csv',
      content: csv,
      initial_comment: 'Affected objects attached',
    });
    expect(res.ok).toBe(true);
    const file = standIn.files().find((f) => f.name === 'affected-objects.csv');
    expect(file?.content.toString('utf8')).toBe(csv);
    expect(file?.mimetype).toBe('text/csv');
    const share = standIn.thread(CHANNEL, root.ts as string).find((m) => m.files);
    expect(share?.text).toBe('Affected objects attached');
    expect(share?.files?.[0]).toMatchObject({ id: file?.id, name: 'affected-objects.csv', size: csv.length });
    expect(standIn.callsTo('upload')).not.toHaveLength(0);

    const download = await fetch(file?.url_private as string, {
      headers: { authorization: `Bearer ${standIn.botToken}` },
    });
    expect(await download.text()).toBe(csv);
  });

  it('answers users.info, usergroups.users.list and conversations.info', async () => {
    const user = await client.users.info({ user: 'U0ALICE' });
    expect(user.user).toMatchObject({
      id: 'U0ALICE',
      real_name: 'Alice Responder',
      profile: { email: 'alice@example.test' },
    });
    const group = await client.usergroups.users.list({ usergroup: 'S0RESPOND' });
    expect(group.users).toEqual(['U0ALICE', 'U0BOB']);
    const info = await client.conversations.info({ channel: CHANNEL });
    expect(info.channel).toMatchObject({ id: CHANNEL, is_member: true });
  });

  it('pins and reacts to messages', async () => {
    const msg = await client.chat.postMessage({ channel: CHANNEL, text: 'control panel' });
    await client.pins.add({ channel: CHANNEL, timestamp: msg.ts as string });
    await client.reactions.add({ channel: CHANNEL, timestamp: msg.ts as string, name: 'rotating_light' });
    const stored = standIn.message(CHANNEL, msg.ts as string);
    expect(stored?.pinned_to).toEqual([CHANNEL]);
    expect(stored?.reactions).toEqual([{ name: 'rotating_light', users: [standIn.bot.userId], count: 1 }]);
  });

  it('accepts JSON bodies with real arrays, and records calls without the token', async () => {
    const seen: string[] = [];
    const onCall = (c: { method: string }) => seen.push(c.method);
    standIn.events.on('call', onCall);
    const res = await fetch(`${standIn.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: `Bearer ${standIn.botToken}`,
      },
      body: JSON.stringify({ channel: CHANNEL, text: 'json', blocks: [section('from JSON')] }),
    });
    standIn.events.off('call', onCall);
    const body = (await res.json()) as { ok: boolean; ts: string };
    expect(body.ok).toBe(true);
    expect(seen).toEqual(['chat.postMessage']);
    const call = standIn.callsTo('chat.postMessage').at(-1);
    expect(call?.args).toMatchObject({ channel: CHANNEL, text: 'json' });
    expect(call?.at).toBeInstanceOf(Date);
    expect(standIn.calls.every((c) => !('token' in c.args))).toBe(true);
  });

  it('creates channels on first post and answers DMs to a user id with the DM channel', async () => {
    const res = await client.chat.postMessage({ channel: 'U0ALICE', text: 'direct' });
    expect(res.channel).toBe('D0ALICE');
    expect(standIn.channels().map((c) => c.id)).toEqual(expect.arrayContaining([CHANNEL, 'D0ALICE']));
  });
});

describe('response URLs hosted by the stand-in', () => {
  let standIn: SlackStandIn;
  let client: ReturnType<typeof clientFor>;
  beforeAll(async () => {
    standIn = await startSlackApiStandIn();
    client = clientFor(standIn);
  });
  afterAll(async () => {
    await standIn.stop();
  });

  const post = (url: string, body: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('replaces the original, posts in channel, or answers ephemerally — and stops after 5 uses', async () => {
    const msg = await client.chat.postMessage({
      channel: CHANNEL,
      text: 'approve?',
      blocks: [{ type: 'actions', elements: [button('approve', 'Approve')] } as KnownBlock],
    });
    const url = standIn.responseUrl({ channel: CHANNEL, user: 'U0ALICE', messageTs: msg.ts as string });
    expect((await post(url, { replace_original: true, text: 'Approved by alice' })).status).toBe(200);
    expect(standIn.message(CHANNEL, msg.ts as string)).toMatchObject({ text: 'Approved by alice' });
    expect(standIn.message(CHANNEL, msg.ts as string)?.blocks).toBeUndefined();

    await post(url, { text: 'Only you see this' });
    expect(standIn.ephemerals({ user: 'U0ALICE' }).map((e) => e.text)).toContain('Only you see this');

    await post(url, { response_type: 'in_channel', text: 'Everyone sees this' });
    expect(standIn.messages(CHANNEL).map((m) => m.text)).toContain('Everyone sees this');

    expect((await post(url, { text: 'fourth' })).status).toBe(200);
    expect((await post(url, { text: 'fifth' })).status).toBe(200);
    const sixth = await post(url, { text: 'sixth' });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'used_url' });
    expect(standIn.callsTo('response_url')).toHaveLength(6);
  });

  it('refuses invalid blocks on a response URL', async () => {
    const url = standIn.responseUrl({ channel: CHANNEL, user: 'U0ALICE' });
    const res = await post(url, { blocks: [{ type: 'nonsense' }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ ok: false, error: 'invalid_blocks' });
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After, which WebClient honours before retrying', async () => {
    const standIn = await startSlackApiStandIn();
    try {
      standIn.rateLimitNext('chat.postMessage', 1);
      const client = clientFor(standIn, standIn.botToken, {
        retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 },
      });
      const started = Date.now();
      const res = await client.chat.postMessage({ channel: CHANNEL, text: 'after the wait' });
      expect(res.ok).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(standIn.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
    } finally {
      await standIn.stop();
    }
  });

  it('applies configured per-channel rules', async () => {
    const standIn = await startSlackApiStandIn({
      rateLimit: { rules: [{ method: 'chat.postMessage', limit: 2, windowMs: 60_000, perChannel: true }] },
    });
    try {
      const client = clientFor(standIn, standIn.botToken, { rejectRateLimitedCalls: true });
      await client.chat.postMessage({ channel: 'C0ONE', text: '1' });
      await client.chat.postMessage({ channel: 'C0ONE', text: '2' });
      await client.chat.postMessage({ channel: 'C0TWO', text: 'other channel is fine' });
      const refused = await client.chat.postMessage({ channel: 'C0ONE', text: '3' }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 60 });
    } finally {
      await standIn.stop();
    }
  });
});
