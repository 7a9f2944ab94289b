// Finding an interactive element (a button, usually) in blocks the bot posted, so the driver clicks
// exactly what a person would see rather than an action id the test made up.

import type { Block } from './types.ts';

type Obj = Record<string, unknown>;

export interface FoundElement {
  block: Block;
  element: Obj;
}

/** Interactive elements of a block list, wherever Block Kit allows them. */
function elementsOf(blocks: Block[]): FoundElement[] {
  const found: FoundElement[] = [];
  for (const block of blocks) {
    const candidates = [
      block.accessory,
      block.element,
      ...(Array.isArray(block.elements) ? block.elements : []),
    ];
    for (const c of candidates) {
      if (typeof c === 'object' && c !== null && typeof (c as Obj).action_id === 'string') {
        found.push({ block, element: c as Obj });
      }
    }
  }
  return found;
}

export function findElement(
  blocks: Block[],
  input: { actionId: string; blockId?: string; value?: string },
): FoundElement {
  const all = elementsOf(blocks);
  const match = all.filter(
    ({ block, element }) =>
      element.action_id === input.actionId &&
      (input.blockId === undefined || block.block_id === input.blockId) &&
      (input.value === undefined || element.value === input.value),
  );
  const first = match[0];
  if (!first) {
    const available = all.map(({ element }) => String(element.action_id)).join(', ') || 'none';
    throw new Error(`no element with action_id "${input.actionId}" (available: ${available})`);
  }
  if (match.length > 1) throw new Error(`action_id "${input.actionId}" is ambiguous; pass blockId or value`);
  return first;
}
