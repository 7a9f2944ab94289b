import { describe, expect, it } from 'vitest';
import { validateBlocks } from '../../../src/sandbox/slack/block-rules.ts';
import {
  ACTION_ID_PATTERN,
  actionIdFor,
  type ButtonAction,
  decodeAction,
  encodeAction,
} from '../../../src/slack/action-values.ts';
import { actionRows, button, capBlocks, section } from '../../../src/slack/blocks/kit.ts';
import { capList, escapeMrkdwn, joinWithMore, truncate } from '../../../src/slack/limits.ts';

describe('text limits', () => {
  it('truncate marks the cut and never exceeds the limit', () => {
    expect(truncate('abcdef', 10)).toBe('abcdef');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abcdef', 4)).toHaveLength(4);
  });

  it('joinWithMore keeps what fits and says how many were left out', () => {
    const items = Array.from({ length: 1000 }, (_, i) => `bucket-${i}`);
    const out = joinWithMore(items, 100);
    expect(out.length).toBeLessThanOrEqual(100);
    const shown = out.split(', ').filter((s) => s.startsWith('bucket-')).length;
    expect(out).toContain(`…and ${1000 - shown} more`);
    expect(joinWithMore(['a', 'b'], 100)).toBe('a, b');
    expect(joinWithMore(['x'.repeat(500)], 50)).toHaveLength(50);
  });

  it('capList folds the tail into one item', () => {
    expect(capList([1, 2, 3, 4, 5], 3, (n) => -n)).toEqual([1, 2, -3]);
    expect(capList([1, 2], 3, (n) => -n)).toEqual([1, 2]);
  });

  it('escapes Slack control characters', () => {
    expect(escapeMrkdwn('<!here> & <@U1>')).toBe('&lt;!here&gt; &amp; &lt;@U1&gt;');
  });
});

describe('block budget', () => {
  it('capBlocks keeps a message at 50 blocks, says how many were left out and keeps the buttons', () => {
    const blocks = [
      ...Array.from({ length: 200 }, (_, i) => section(`line ${i}`)),
      ...actionRows('a', [button({ text: 'Go', actionId: 'ssec.assess', value: '{}' })]),
    ];
    const capped = capBlocks(blocks);
    expect(capped).toHaveLength(50);
    expect(validateBlocks(capped, 'message')).toEqual([]);
    expect(capped.at(-1)!.type).toBe('actions');
    expect(JSON.stringify(capped.at(-2))).toContain('…and 152 more not shown');
  });

  it('actionRows splits at 25 buttons per actions block', () => {
    const rows = actionRows(
      'r',
      Array.from({ length: 60 }, (_, i) => button({ text: `b${i}`, actionId: `ssec.b${i}`, value: '{}' })),
    );
    expect(rows.map((r) => (r.elements as unknown[]).length)).toEqual([25, 25, 10]);
    expect(validateBlocks(rows, 'message')).toEqual([]);
  });

  it('button text is cut to 75 characters and a value over 2000 is refused outright', () => {
    const b = button({ text: 'x'.repeat(200), actionId: 'ssec.x', value: '{}' });
    expect((b.text as { text: string }).text).toHaveLength(75);
    expect(() => button({ text: 'x', actionId: 'ssec.x', value: 'v'.repeat(2001) })).toThrow();
  });
});

describe('button values', () => {
  const samples: ButtonAction[] = [
    { kind: 'request', incidentId: 3, step: 'contain' },
    { kind: 'request', incidentId: 3, step: 'rollback' },
    { kind: 'request', incidentId: 3, step: 'recover', strategy: 'backup' },
    { kind: 'approve', incidentId: 3, approvalId: 'recover-2', step: 'recover' },
    { kind: 'reject', incidentId: 3, approvalId: 'contain-1', step: 'contain' },
    { kind: 'dry-run', incidentId: 3, step: 'verify' },
    { kind: 'retry', incidentId: 3, step: 'assess' },
    { kind: 'assess', incidentId: 3 },
    { kind: 'close', incidentId: 3 },
    { kind: 'cancel', incidentId: 3 },
  ];

  it('round-trip, and action ids are unique and match the listener', () => {
    for (const a of samples) {
      expect(decodeAction(encodeAction(a))).toEqual(a);
      expect(actionIdFor(a)).toMatch(ACTION_ID_PATTERN);
    }
    expect(new Set(samples.map(actionIdFor)).size).toBe(samples.length);
  });

  it('refuse anything this bot did not write', () => {
    for (const bad of [
      undefined,
      '',
      'not json',
      '{"k":"approve","i":3}',
      '{"k":"approve","i":"3","a":"contain-1","s":"contain"}',
      '{"k":"approve","i":3,"a":"../../etc","s":"contain"}',
      '{"k":"request","i":3,"s":"recover","g":"yolo"}',
      '{"k":"request","i":3,"s":"delete-everything"}',
      '{"k":"approve","i":-1,"a":"contain-1","s":"contain"}',
      `{"k":"assess","i":3,"pad":"${'x'.repeat(3000)}"}`,
    ]) {
      expect(decodeAction(bad), String(bad).slice(0, 40)).toBeUndefined();
    }
  });
});
