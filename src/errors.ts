// Coded errors, in the manner of bolt-js: callers branch on `code`, never on message text.

export type ErrorCode =
  | 'SSEC_CONFIG_INVALID'
  | 'SSEC_USAGE'
  | 'SSEC_STORE_MIGRATION'
  | 'SSEC_SNAPSHOT_INCOMPATIBLE'
  | 'SSEC_APPROVAL_REFUSED'
  | 'SSEC_NOT_FOUND'
  | 'SSEC_AWS'
  | 'SSEC_VERIFY_FAILED';

export class SsecError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SsecError';
    this.code = code;
  }
}

export class ConfigError extends SsecError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      'SSEC_CONFIG_INVALID',
      `Configuration is not usable (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  - ${p}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export class UsageError extends SsecError {
  constructor(message: string) {
    super('SSEC_USAGE', message);
    this.name = 'UsageError';
  }
}

export function isSsecError(error: unknown): error is SsecError {
  return error instanceof SsecError;
}
