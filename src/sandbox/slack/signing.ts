// Slack's request signature (v0): HMAC-SHA256 over `v0:<timestamp>:<raw body>` with the app's
// signing secret, sent as `X-Slack-Signature: v0=<hex>` next to `X-Slack-Request-Timestamp`.
// https://docs.slack.dev/authentication/verifying-requests-from-slack

import { createHmac } from 'node:crypto';

export function slackSignature(signingSecret: string, timestampSec: number, body: string): string {
  const hex = createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${body}`).digest('hex');
  return `v0=${hex}`;
}

/** The two headers Slack adds to every request it sends to an app. */
export function signedHeaders(
  signingSecret: string,
  body: string,
  timestampSec: number,
): Record<string, string> {
  return {
    'x-slack-request-timestamp': String(timestampSec),
    'x-slack-signature': slackSignature(signingSecret, timestampSec, body),
  };
}
