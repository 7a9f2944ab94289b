// Slack refuses (or silently cuts) messages past these sizes; every builder goes through them so a
// thousand buckets or a runaway error text can never make the bot's own messages fail to post.
// https://docs.slack.dev/reference/block-kit/blocks and each block's reference page.

export const LIMITS = {
  blocksPerMessage: 50,
  blocksPerView: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  viewTitle: 24,
  privateMetadata: 3000,
  /** Fallback `text` of a message; Slack truncates beyond 40,000, notifications show far less. */
  messageText: 3000,
  inputLabel: 2000,
} as const;

/** Cuts `text` to `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return text.slice(0, max);
  return `${text.slice(0, max - 1)}…`;
}

/**
 * Joins as many items as fit in `max` characters and says how many were left out, so a long list
 * is visibly incomplete rather than silently cut.
 */
export function joinWithMore(items: readonly string[], max: number, separator = ', '): string {
  const out: string[] = [];
  let used = 0;
  for (let i = 0; i < items.length; i++) {
    const piece = (out.length > 0 ? separator : '') + items[i]!;
    const after = items.length - i - 1;
    // Keep room for the note about what follows, so the cut is always announced.
    const need = used + piece.length + (after > 0 ? moreNote(after, separator).length : 0);
    if (need > max) {
      if (out.length === 0) {
        // Not even the first item fits: show the start of it rather than nothing.
        const note = after > 0 ? moreNote(after, separator) : '';
        return truncate(items[i]!, Math.max(1, max - note.length)) + note;
      }
      return truncate(out.join(separator) + moreNote(items.length - i, separator), max);
    }
    out.push(items[i]!);
    used += piece.length;
  }
  return out.join(separator);
}

function moreNote(n: number, separator: string): string {
  return `${separator}…and ${n} more`;
}

/** At most `max` items; the rest summarised by `more(n)` as one extra item. */
export function capList<T>(items: readonly T[], max: number, more: (n: number) => T): T[] {
  if (items.length <= max) return [...items];
  const kept = items.slice(0, Math.max(0, max - 1));
  return [...kept, more(items.length - kept.length)];
}

/** Slack mrkdwn treats `&`, `<` and `>` as control characters; anything user- or AWS-supplied is escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
