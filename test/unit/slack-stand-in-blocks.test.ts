import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateBlocks, validateView } from '../../src/sandbox/slack/block-rules.ts';

const sectionOf = (n: number) => ({ type: 'section', text: { type: 'mrkdwn', text: 'a'.repeat(n) } });

describe('Block Kit rules', () => {
  it('accepts section text up to 3,000 characters and no more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4000 }), (n) => {
        expect(validateBlocks([sectionOf(n)], 'message').length === 0).toBe(n <= 3000);
      }),
      { numRuns: 60 },
    );
  });

  it('counts blocks per surface: 50 in messages, 100 in views', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), (count) => {
        const list = Array.from({ length: count }, () => ({ type: 'divider' }));
        expect(validateBlocks(list, 'message').length === 0).toBe(count <= 50);
        expect(validateBlocks(list, 'modal').length === 0).toBe(count <= 100);
      }),
      { numRuns: 40 },
    );
  });

  it('allows the same action_id in different blocks of a view (state is keyed per block)', () => {
    const input = (blockId: string) => ({
      type: 'input',
      block_id: blockId,
      label: { type: 'plain_text', text: blockId },
      element: { type: 'plain_text_input', action_id: 'value' },
    });
    expect(validateBlocks([input('bucket'), input('key')], 'modal')).toEqual([]);
    expect(validateBlocks([input('bucket'), input('key')], 'message')).toEqual([
      'duplicate action_id: value [json-pointer:/blocks/1/element/action_id]',
    ]);
  });

  it('checks confirmation dialogs, empty text, fields and context sizes', () => {
    const problems = validateBlocks(
      [
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'delete',
              text: { type: 'plain_text', text: 'Delete' },
              style: 'warning',
              confirm: {
                title: { type: 'plain_text', text: 'Sure?' },
                text: { type: 'mrkdwn', text: 'x'.repeat(301) },
                confirm: { type: 'plain_text', text: 'Yes' },
                deny: { type: 'plain_text', text: 'No' },
              },
            },
          ],
        },
        { type: 'section', text: { type: 'mrkdwn', text: '' } },
        { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
        { type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'plain_text', text: 'c' })) },
      ],
      'message',
    );
    expect(problems).toEqual([
      'must be one of primary, danger [json-pointer:/blocks/0/elements/0/style]',
      'must be less than 301 characters [json-pointer:/blocks/0/elements/0/confirm/text/text]',
      'must be more than 0 characters [json-pointer:/blocks/1/text/text]',
      'no more than 10 items allowed [json-pointer:/blocks/2/fields]',
      'no more than 10 items allowed [json-pointer:/blocks/3/elements]',
    ]);
  });

  it('requires submit on a modal with inputs, and private_metadata within 3,000 characters', () => {
    const view = {
      type: 'modal',
      title: { type: 'plain_text', text: 'Declare' },
      private_metadata: 'm'.repeat(3001),
      blocks: [
        {
          type: 'input',
          label: { type: 'plain_text', text: 'Bucket' },
          element: { type: 'plain_text_input', action_id: 'b' },
        },
      ],
    };
    expect(validateView(view, 'modal')).toEqual([
      'submit is required when an input block is within the blocks array [json-pointer:/view/submit]',
      'must be less than 3001 characters [json-pointer:/view/private_metadata]',
    ]);
  });
});
