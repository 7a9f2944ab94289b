// Public surface of the alert intake, for the HTTP routes and the incident correlation.

export type { CertificateFetcherOptions, FetchLike } from './certificate-fetcher.ts';
export { cacheCertificates, createCertificateFetcher } from './certificate-fetcher.ts';
export { describeAlert, escapeMrkdwn } from './describe-alert.ts';
export { summarizeLifecycle } from './lifecycle.ts';
export { parseAlert } from './parse-alert.ts';
export { compareSeverity, guardDutySeverity, maxSeverity, SHORT_LIFECYCLE_DAYS } from './severity.ts';
export type { SnsConfirmation, SnsEnvelopeResult, SnsMessage, SnsNotification } from './sns-envelope.ts';
export { parseSnsEnvelope, snsStringToSign } from './sns-envelope.ts';
export type { FetchCertificate, SnsVerification, VerifySnsOptions } from './sns-signature.ts';
export {
  DEFAULT_MAX_AGE_MS,
  isSigningCertUrlAllowed,
  isSnsServiceUrl,
  isTopicAllowed,
  verifySnsSignature,
} from './sns-signature.ts';
export { tokensEqual } from './tokens.ts';
export type {
  AlertSignal,
  AlertSource,
  LifecycleDetails,
  LifecycleRuleSummary,
  ParsedAlert,
  ParseOptions,
  ParseResult,
  Principal,
  Severity,
} from './types.ts';
export { ALERT_SIGNALS } from './types.ts';
