// Verifies that an SNS message really comes from SNS, as AWS documents it: a certificate fetched
// over HTTPS from an SNS host, SHA1withRSA (SignatureVersion 1) or SHA256withRSA (2) over the
// canonical string, and a fresh Timestamp so a captured message cannot be replayed forever.

import { verify, X509Certificate } from 'node:crypto';
import { parseSnsEnvelope, type SnsMessage, snsStringToSign } from './sns-envelope.ts';
import { parseTime } from './values.ts';

export type FetchCertificate = (url: string) => Promise<string>;

export interface VerifySnsOptions {
  /** Returns the PEM at a SigningCertURL; see createCertificateFetcher. */
  fetchCertificate: FetchCertificate;
  now?: () => Date;
  /** Messages whose Timestamp is older than this are refused (default one hour). */
  maxAgeMs?: number;
}

export type SnsVerification = { ok: true; message: SnsMessage } | { ok: false; reason: string };

export const DEFAULT_MAX_AGE_MS = 60 * 60 * 1000;
/** Clocks drift; a message a few minutes "from the future" is skew, not an attack. */
const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;
const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DIGESTS: Record<string, string> = { '1': 'sha1', '2': 'sha256' };

/** True for `https://sns.<region>.amazonaws.com[.cn]/….pem`, nothing else. */
export function isSigningCertUrlAllowed(url: string): boolean {
  const parsed = parseSnsServiceUrl(url);
  return parsed?.pathname.endsWith('.pem') === true && parsed.search === '';
}

/** SubscribeURL / UnsubscribeURL must point at SNS too, or confirming becomes a request forgery. */
export function isSnsServiceUrl(url: string): boolean {
  return parseSnsServiceUrl(url) !== undefined;
}

function parseSnsServiceUrl(url: string): URL | undefined {
  if (typeof url !== 'string') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const plain = parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '';
  const defaultPort = parsed.port === '' || parsed.port === '443';
  return plain && defaultPort && SNS_HOST.test(parsed.hostname) && parsed.hash === '' ? parsed : undefined;
}

/** Exact match against the configured topic ARNs; an empty list allows nothing. */
export function isTopicAllowed(topicArn: string, allowed: string[]): boolean {
  return (
    typeof topicArn === 'string' && topicArn !== '' && Array.isArray(allowed) && allowed.includes(topicArn)
  );
}

export async function verifySnsSignature(
  input: unknown,
  options: VerifySnsOptions,
): Promise<SnsVerification> {
  try {
    return await verifyOrExplain(input, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `signature could not be verified: ${message.slice(0, 200)}` };
  }
}

async function verifyOrExplain(input: unknown, options: VerifySnsOptions): Promise<SnsVerification> {
  const envelope = parseSnsEnvelope(input);
  if (!envelope.ok) return envelope;
  const message = envelope.message;
  const digest = DIGESTS[message.SignatureVersion];
  if (!digest || !Object.hasOwn(DIGESTS, message.SignatureVersion)) {
    return { ok: false, reason: `unsupported SignatureVersion ${message.SignatureVersion.slice(0, 10)}` };
  }
  if (!isSigningCertUrlAllowed(message.SigningCertURL)) {
    return {
      ok: false,
      reason: 'SigningCertURL is not an https .pem URL on an sns.<region>.amazonaws.com host',
    };
  }
  if (message.Type !== 'Notification' && !isSnsServiceUrl(message.SubscribeURL)) {
    return { ok: false, reason: 'SubscribeURL is not an https URL on an sns.<region>.amazonaws.com host' };
  }
  const freshness = checkTimestamp(message.Timestamp, options);
  if (freshness) return { ok: false, reason: freshness };
  if (!BASE64.test(message.Signature) || message.Signature.length > 4096) {
    return { ok: false, reason: 'Signature is not base64' };
  }

  let pem: string;
  try {
    pem = await options.fetchCertificate(message.SigningCertURL);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `signing certificate could not be fetched: ${detail.slice(0, 200)}` };
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    return { ok: false, reason: 'signing certificate is not a valid X.509 certificate' };
  }
  const publicKey = certificate.publicKey;
  if (publicKey.asymmetricKeyType !== 'rsa') {
    return { ok: false, reason: 'signing certificate does not hold an RSA key' };
  }
  const signed = Buffer.from(snsStringToSign(message), 'utf8');
  const signature = Buffer.from(message.Signature, 'base64');
  return verify(digest, signed, publicKey, signature)
    ? { ok: true, message }
    : { ok: false, reason: 'signature does not match the message' };
}

function checkTimestamp(timestamp: string, options: VerifySnsOptions): string | undefined {
  const sent = parseTime(timestamp);
  if (!sent) return 'Timestamp is not an ISO 8601 time';
  const now = (options.now ?? (() => new Date()))().getTime();
  const maxAge = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  if (now - sent.getTime() > maxAge) return `message is stale: sent ${timestamp}, older than ${maxAge} ms`;
  if (sent.getTime() - now > MAX_FUTURE_SKEW_MS) return `Timestamp ${timestamp} is in the future`;
  return undefined;
}
