import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type FetchCertificate,
  isSnsServiceUrl,
  isTopicAllowed,
  tokensEqual,
  verifySnsSignature,
} from '../alerts/index.ts';
import type { AcceptOutcome, AlertIntake } from '../intake/alert-intake.ts';
import type { Logger } from '../logger.ts';
import type { AuditLog } from '../store/audit-log.ts';
import { BodyTooLargeError, type RouteHandler, readBody, sendJson } from './http-server.ts';

/** EventBridge's own limit for an event is 256 KB; anything larger is not an AWS alert. */
export const ALERT_BODY_LIMIT = 256 * 1024;

export interface AlertRouteDeps {
  intake: AlertIntake;
  audit: AuditLog;
  logger: Logger;
  /** Shared secret for EventBridge API destinations; undefined refuses every request. */
  token: string | undefined;
  snsTopics: string[];
  fetchCertificate: FetchCertificate;
  /** Visits a SubscribeURL to confirm an SNS subscription. */
  confirmSubscription: (url: string) => Promise<void>;
  now?: () => Date;
}

function remote(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

async function readJson(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<{ raw: string; payload: unknown } | undefined> {
  let body: Buffer;
  try {
    body = await readBody(req, ALERT_BODY_LIMIT);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendJson(res, 413, { error: `body larger than ${ALERT_BODY_LIMIT} bytes` });
      req.resume();
      return undefined;
    }
    throw error;
  }
  const raw = body.toString('utf8');
  try {
    return { raw, payload: JSON.parse(raw) };
  } catch (error) {
    sendJson(res, 400, { error: `body is not valid JSON: ${(error as Error).message}` });
    return undefined;
  }
}

function answer(res: ServerResponse, outcome: AcceptOutcome): void {
  if (outcome.status === 'invalid') sendJson(res, 400, { error: outcome.reason });
  else sendJson(res, 202, outcome);
}

export function eventBridgeRoute(deps: AlertRouteDeps): RouteHandler {
  return async (req, res) => {
    const given = req.headers['x-ssec-alert-token'];
    const presented = Array.isArray(given) ? given[0] : given;
    if (!deps.token || !presented || !tokensEqual(presented, deps.token)) {
      // Refused before the body is read: an unauthenticated sender gets nothing stored.
      deps.audit.append({
        actor: `http:${remote(req)}`,
        action: 'alert.refused',
        outcome: 'refused',
        detail: {
          route: 'eventbridge',
          reason: deps.token ? 'wrong or missing token' : 'no SSEC_ALERT_TOKEN configured',
        },
        at: deps.now?.(),
      });
      req.resume();
      sendJson(res, 401, { error: 'missing or wrong x-ssec-alert-token' });
      return;
    }
    const body = await readJson(req, res);
    if (!body) return;
    answer(res, deps.intake.accept('eventbridge', body.raw, body.payload));
  };
}

export function snsRoute(deps: AlertRouteDeps): RouteHandler {
  return async (req, res) => {
    const body = await readJson(req, res);
    if (!body) return;
    const verified = await verifySnsSignature(body.payload, {
      fetchCertificate: deps.fetchCertificate,
      now: deps.now,
    });
    if (!verified.ok) {
      deps.audit.append({
        actor: `http:${remote(req)}`,
        action: 'alert.refused',
        outcome: 'refused',
        detail: { route: 'sns', reason: verified.reason },
        at: deps.now?.(),
      });
      sendJson(res, 403, { error: `SNS signature refused: ${verified.reason}` });
      return;
    }
    const message = verified.message;
    if (!isTopicAllowed(message.TopicArn, deps.snsTopics)) {
      deps.audit.append({
        actor: `sns:${message.TopicArn}`,
        action: 'alert.refused',
        outcome: 'refused',
        detail: { route: 'sns', reason: 'topic not in SSEC_SNS_TOPICS', type: message.Type },
        at: deps.now?.(),
      });
      sendJson(res, 403, { error: 'topic is not in SSEC_SNS_TOPICS' });
      return;
    }
    if (message.Type === 'SubscriptionConfirmation') {
      if (!isSnsServiceUrl(message.SubscribeURL)) {
        sendJson(res, 400, { error: 'SubscribeURL is not an SNS endpoint' });
        return;
      }
      await deps.confirmSubscription(message.SubscribeURL);
      deps.audit.append({
        actor: `sns:${message.TopicArn}`,
        action: 'sns.subscription-confirmed',
        outcome: 'ok',
        detail: { topic: message.TopicArn },
        at: deps.now?.(),
      });
      sendJson(res, 200, { confirmed: message.TopicArn });
      return;
    }
    if (message.Type === 'UnsubscribeConfirmation') {
      sendJson(res, 200, { ignored: 'unsubscribe confirmation' });
      return;
    }
    let inner: unknown;
    let raw = message.Message;
    try {
      inner = JSON.parse(message.Message);
    } catch {
      inner = { snsMessage: message.Message, topic: message.TopicArn, messageId: message.MessageId };
      raw = JSON.stringify(inner);
    }
    // Keyed by the inner event (the same finding may also arrive through EventBridge).
    answer(res, deps.intake.accept('sns', raw, inner));
  };
}
