import type { KnownBlock } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  renderMessage,
  renderMessageWithChoices,
  renderThread,
  renderThreadWithChoices,
  type SlackStandIn,
  startSlackApiStandIn,
} from '../../src/sandbox/slack/index.ts';
import { clientFor } from '../helpers/slack-stand-in.ts';

const users = new Map([['U0ALICE', 'alice']]);
const ESC = String.fromCharCode(27);

const controlPanel = {
  user: 'U0SSECBOT',
  bot_id: 'B0SSECBOT',
  ts: '1700000000.000100',
  channel: 'C0INCIDENT',
  text: 'INC-1 control panel',
  blocks: [
    { type: 'header', text: { type: 'plain_text', text: 'INC-1 · SSE-C ransomware on acme-data' } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '*Phase:* contain — waiting on <@U0ALICE>\nKey `AKIAEXAMPLE` :warning: <https://example.test/runbook|runbook> &amp; notes',
      },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Affected*\n1,204' },
        { type: 'mrkdwn', text: '*Restored*\n0' },
      ],
    },
    { type: 'divider' },
    {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: 'Declared by <@U0ALICE>' },
        { type: 'plain_text', text: 'INC-1' },
      ],
    },
    {
      type: 'actions',
      block_id: 'decision',
      elements: [
        {
          type: 'button',
          action_id: 'approve',
          value: 'contain',
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
        },
        {
          type: 'button',
          action_id: 'reject',
          value: 'contain',
          style: 'danger',
          text: { type: 'plain_text', text: 'Reject' },
        },
      ],
    },
  ],
  files: [{ name: 'affected-objects.csv', size: 2048 }],
};

describe('terminal rendering of Block Kit', () => {
  it('renders a control panel as readable plain text with numbered choices', () => {
    const text = renderMessage(controlPanel, { color: false, users, width: 60 });
    expect(text.split('\n')).toEqual([
      'ssec  22:13:20',
      '## INC-1 · SSE-C ransomware on acme-data',
      'Phase: contain — waiting on @alice',
      // Wrapped at 60 columns; fields in two columns of (60 - 2) / 2 with a two-space gutter.
      'Key `AKIAEXAMPLE` ⚠️ runbook (https://example.test/runbook)',
      '& notes',
      `Affected${' '.repeat(23)}Restored`,
      `1,204${' '.repeat(26)}0`,
      '─'.repeat(60),
      'Declared by @alice · INC-1',
      '[1] Approve  [2] Reject',
      '📎 affected-objects.csv (2.0 KB)',
    ]);
  });

  it('reports each choice with what is needed to click it', () => {
    const { choices } = renderMessageWithChoices(controlPanel, { color: false, firstChoice: 4 });
    expect(choices).toEqual([
      {
        number: 4,
        label: 'Approve',
        actionId: 'approve',
        blockId: 'decision',
        value: 'contain',
        style: 'primary',
        channel: 'C0INCIDENT',
        ts: '1700000000.000100',
      },
      {
        number: 5,
        label: 'Reject',
        actionId: 'reject',
        blockId: 'decision',
        value: 'contain',
        style: 'danger',
        channel: 'C0INCIDENT',
        ts: '1700000000.000100',
      },
    ]);
  });

  it('emphasises with ANSI codes by default and not at all with color: false', () => {
    const colored = renderMessage(controlPanel, { users });
    expect(colored).toContain(`${ESC}[1m## INC-1`);
    expect(colored).toContain(`${ESC}[31m${ESC}[1m[2] Reject`);
    expect(renderMessage(controlPanel, { color: false })).not.toContain(ESC);
  });

  it('wraps long section text to the width', () => {
    const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const text = renderMessage({ text: words }, { color: false, width: 40 });
    const lines = text.split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every((l) => l.length <= 40)).toBe(true);
    expect(lines.join(' ')).toBe(words);
  });
});

describe('rendering a thread from the stand-in', () => {
  let standIn: SlackStandIn;
  beforeAll(async () => {
    standIn = await startSlackApiStandIn();
  });
  afterAll(async () => {
    await standIn.stop();
  });

  it('indents replies under the root, numbers choices across the thread, shows ephemerals on request', async () => {
    const client = clientFor(standIn);
    const root = await client.chat.postMessage({
      channel: 'C0INCIDENT',
      text: 'INC-1',
      blocks: controlPanel.blocks as KnownBlock[],
    });
    const rootTs = root.ts as string;
    await client.chat.postMessage({
      channel: 'C0INCIDENT',
      thread_ts: rootTs,
      text: 'Assessment ready',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: '*1,204* objects re-encrypted' } },
        {
          type: 'actions',
          elements: [{ type: 'button', action_id: 'recover', text: { type: 'plain_text', text: 'Recover' } }],
        },
      ],
    });
    await client.filesUploadV2({
      channel_id: 'C0INCIDENT',
      thread_ts: rootTs,
      filename: 'affected-objects.csv',
      content: 'bucket,key\n',
    });
    await client.chat.postEphemeral({
      channel: 'C0INCIDENT',
      user: 'U0ALICE',
      thread_ts: rootTs,
      text: 'Only you: approve?',
    });

    const rendered = renderThreadWithChoices(standIn, 'C0INCIDENT', rootTs, { color: false, users });
    const lines = rendered.text.split('\n');
    expect(lines[1]).toBe('## INC-1 · SSE-C ransomware on acme-data');
    expect(lines).toContain('[1] Approve  [2] Reject');
    expect(lines).toContain('  │ 1,204 objects re-encrypted');
    expect(lines).toContain('  │ [3] Recover');
    expect(lines).toContain('  │ 📎 affected-objects.csv (11 B)');
    expect(rendered.choices.map((c) => c.actionId)).toEqual(['approve', 'reject', 'recover']);
    expect(rendered.text).not.toContain('Only you: approve?');

    const forAlice = renderThread(standIn, 'C0INCIDENT', rootTs, { color: false, ephemeralsFor: 'U0ALICE' });
    expect(forAlice).toContain('  │ Only you: approve?');
    expect(forAlice).toContain('  │ (only visible to you)');
  });
});
