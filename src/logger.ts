import { type Logger, pino } from 'pino';

export type { Logger };

// Paths pino censors wherever they appear in a log record: tokens, secrets and SSE-C key material
// must never reach a log sink, even by accident through an error's request object.
const REDACT = [
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.authorization',
  '*.SSECustomerKey',
  '*.CopySourceSSECustomerKey',
  'headers.authorization',
  'headers["x-slack-signature"]',
  'headers["x-ssec-alert-token"]',
  'headers["x-amz-server-side-encryption-customer-key"]',
  'config.slack',
  'config.alerts.token',
];

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: 'ssec',
      level: opts.level ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    opts.destination ?? process.stderr,
  );
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
