// The checks Slack applies to a message body wherever one is sent: chat.postMessage, chat.update,
// chat.postEphemeral and response URLs all refuse the same things the same way.

import { randomBytes } from 'node:crypto';
import { SLACK_LIMITS, validateBlocks } from './block-rules.ts';
import { type Args, invalidBlocks, optJson, optString, SlackMethodError } from './method-support.ts';
import type { Block } from './types.ts';

export interface MessageContent {
  text: string | undefined;
  blocks: Block[] | undefined;
  attachments: unknown[] | undefined;
}

export function readMessageContent(args: Args, opts: { required: boolean }): MessageContent {
  const text = optString(args, 'text');
  const rawBlocks = optJson(args, 'blocks', 'invalid_blocks_format');
  const rawAttachments = optJson(args, 'attachments', 'invalid_attachments');
  if (rawBlocks !== undefined && !Array.isArray(rawBlocks)) {
    throw new SlackMethodError('invalid_blocks_format', ['[ERROR] blocks must be an array']);
  }
  if (rawAttachments !== undefined && !Array.isArray(rawAttachments)) {
    throw new SlackMethodError('invalid_attachments');
  }
  const blocks = rawBlocks as Block[] | undefined;
  const attachments = rawAttachments as unknown[] | undefined;
  const hasContent = (text ?? '').length > 0 || (blocks?.length ?? 0) > 0 || (attachments?.length ?? 0) > 0;
  if (opts.required && !hasContent) throw new SlackMethodError('no_text');
  if (text !== undefined && text.length > SLACK_LIMITS.messageText)
    throw new SlackMethodError('msg_too_long');
  if (blocks !== undefined) {
    const problems = validateBlocks(blocks, 'message');
    if (problems.length > 0) throw invalidBlocks(problems);
  }
  return { text, blocks: blocks && withBlockIds(blocks), attachments };
}

/**
 * Slack gives every block without a `block_id` a generated one, and interaction payloads carry it;
 * doing the same keeps the bot from depending on ids it never set.
 */
export function withBlockIds(blocks: Block[]): Block[] {
  const taken = new Set(blocks.map((b) => b.block_id).filter((id) => id !== undefined));
  return blocks.map((b) => {
    if (b.block_id !== undefined) return b;
    let id: string;
    do id = randomBytes(3).toString('base64url').slice(0, 4);
    while (taken.has(id));
    taken.add(id);
    return { ...b, block_id: id };
  });
}
