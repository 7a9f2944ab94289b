// One line per alert for Slack. Bucket names, object keys and titles can carry text an attacker
// chose, so everything interpolated is escaped for Slack mrkdwn (no <!channel>, no fake links).

import type { ParsedAlert } from './types.ts';

export const MAX_DESCRIPTION_LENGTH = 400;

export function describeAlert(alert: ParsedAlert): string {
  const parts = [`[${alert.severity.toUpperCase()}] ${alert.title}`];
  const who = alert.principal?.userName ?? alert.principal?.arn;
  const keys = alert.accessKeyIds.length > 0 ? `key ${list(alert.accessKeyIds)}` : undefined;
  if (keys) parts.push(who ? `${keys} (${who})` : keys);
  else if (who) parts.push(`by ${who}`);
  if (alert.buckets.length > 0) {
    parts.push(`${alert.buckets.length === 1 ? 'bucket' : 'buckets'} ${list(alert.buckets)}`);
  }
  const where = [alert.accountId, alert.region].filter(Boolean).join('/');
  if (where) parts.push(where);
  if (alert.count > 1) parts.push(`${alert.count} events`);
  parts.push(alert.observedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  return truncate(escapeMrkdwn(parts.join(' · ').replace(/\s+/g, ' ')), MAX_DESCRIPTION_LENGTH);
}

/** Cuts at `max` characters without splitting an entity such as &amp;. */
function truncate(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  let cut = escaped.slice(0, max - 1);
  const amp = cut.lastIndexOf('&');
  if (amp !== -1 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  return `${cut}…`;
}

function list(values: string[], shown = 3): string {
  const head = values.slice(0, shown).join(', ');
  return values.length > shown ? `${head} +${values.length - shown} more` : head;
}

/** Slack's documented escaping for mrkdwn: only &, < and > need it. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
