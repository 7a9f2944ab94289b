import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { ENV_VARS, type EnvMode } from './env.ts';

export interface Config {
  mode: EnvMode;
  port: number;
  dbPath: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  slack: {
    botToken: string | undefined;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string | undefined;
  };
  incidentChannel: string | undefined;
  approvals: {
    responders: string[];
    twoPersonRule: boolean;
    required: 1 | 2;
    ttlMs: number;
    reminderMs: number;
  };
  alerts: {
    token: string | undefined;
    snsTopics: string[];
    alarmBuckets: Record<string, string[]>;
    correlationMs: number;
  };
  aws: {
    forcePathStyle: boolean;
    assumeRoleName: string | undefined;
    lookbackMs: number;
    scanConcurrency: number;
    restoreConcurrency: number;
    batchThreshold: number;
    batchManifestBucket: string | undefined;
    batchRoleArn: string | undefined;
    backupRoleArn: string | undefined;
  };
}

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const slackIdList = list.refine(
  (ids) => ids.every((id) => /^[UWS][A-Z0-9]{2,}$/.test(id)),
  'must be Slack user ids (U…/W…) or user-group ids (S…), separated by commas',
);

const alarmBuckets = z.string().transform((v, ctx) => {
  const map: Record<string, string[]> = {};
  for (const pair of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [alarm, buckets] = pair.split('=');
    if (!alarm || !buckets) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" is not alarm=bucket1|bucket2` });
      return z.NEVER;
    }
    map[alarm.trim()] = buckets
      .split('|')
      .map((b) => b.trim())
      .filter(Boolean);
  }
  return map;
});

const url = z.string().trim().url('must be a URL');

const PARSERS: Record<string, z.ZodType<unknown, string>> = {
  SLACK_BOT_TOKEN: z.string().trim().startsWith('xoxb-', 'must start with xoxb-'),
  SLACK_SIGNING_SECRET: z.string().trim().min(8, 'looks too short for a signing secret'),
  SLACK_APP_TOKEN: z.string().trim().startsWith('xapp-', 'must start with xapp-'),
  SLACK_API_URL: url.transform((u) => (u.endsWith('/') ? u : `${u}/`)),
  SSEC_INCIDENT_CHANNEL: z
    .string()
    .trim()
    .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a channel id such as C0123456789'),
  SSEC_RESPONDERS: slackIdList.refine((ids) => ids.length > 0, 'must name at least one responder'),
  SSEC_TWO_PERSON_RULE: bool,
  SSEC_APPROVALS_REQUIRED: int(1, 2),
  SSEC_APPROVAL_TTL_MINUTES: int(1, 7 * 24 * 60),
  SSEC_REMINDER_MINUTES: int(1, 24 * 60),
  PORT: int(0, 65535),
  SSEC_DB_PATH: z.string().trim().min(1),
  SSEC_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
  SSEC_ALERT_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  SSEC_SNS_TOPICS: list.refine(
    (arns) => arns.every((a) => /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/.test(a)),
    'must be SNS topic ARNs separated by commas',
  ),
  SSEC_ALARM_BUCKETS: alarmBuckets,
  SSEC_CORRELATION_MINUTES: int(1, 30 * 24 * 60),
  SSEC_S3_FORCE_PATH_STYLE: bool,
  SSEC_ASSUME_ROLE_NAME: z
    .string()
    .trim()
    .regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name'),
  SSEC_LOOKBACK_HOURS: int(1, 24 * 365),
  SSEC_SCAN_CONCURRENCY: int(1, 1024),
  SSEC_RESTORE_CONCURRENCY: int(1, 1024),
  SSEC_BATCH_THRESHOLD: int(1, 1_000_000_000),
  SSEC_BATCH_MANIFEST_BUCKET: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name'),
  SSEC_BATCH_ROLE_ARN: z
    .string()
    .trim()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN'),
  SSEC_BACKUP_ROLE_ARN: z
    .string()
    .trim()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN'),
};

/**
 * Reads and validates every variable in one pass, so an operator fixes all problems at once.
 * Problems name the variable, what is wrong and an example; secret values are never echoed.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: { mode?: EnvMode } = {}): Config {
  const mode = opts.mode ?? 'serve';
  const problems: string[] = [];
  const values: Record<string, unknown> = {};

  for (const v of ENV_VARS) {
    const raw = env[v.name];
    if (raw === undefined || raw.trim() === '') {
      if (v.requiredIn?.includes(mode)) {
        problems.push(`${v.name} is not set: ${v.description}. Example: ${v.name}=${v.example}`);
      }
      continue;
    }
    const parser = PARSERS[v.name];
    if (!parser) throw new Error(`no parser for ${v.name}`);
    const result = parser.safeParse(raw);
    if (result.success) {
      values[v.name] = result.data;
    } else {
      const why = result.error.issues.map((i) => i.message).join('; ');
      const shown = v.secret ? '' : ` (got "${raw.length > 80 ? `${raw.slice(0, 80)}…` : raw}")`;
      problems.push(`${v.name} ${why}${shown}: ${v.description}. Example: ${v.name}=${v.example}`);
    }
  }
  if (mode === 'serve' && !env.SLACK_APP_TOKEN?.trim() && !env.SLACK_SIGNING_SECRET?.trim()) {
    problems.push(
      'SLACK_SIGNING_SECRET is not set: HTTP mode verifies every Slack request with it (or set SLACK_APP_TOKEN for Socket Mode). Example: SLACK_SIGNING_SECRET=your-signing-secret',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const get = <T>(name: string, fallback: T): T => (name in values ? (values[name] as T) : fallback);
  return {
    mode,
    port: get('PORT', 3000),
    dbPath: get('SSEC_DB_PATH', './data/ssec.db'),
    logLevel: get('SSEC_LOG_LEVEL', 'info'),
    slack: {
      botToken: get<string | undefined>('SLACK_BOT_TOKEN', undefined),
      signingSecret: get<string | undefined>('SLACK_SIGNING_SECRET', undefined),
      appToken: get<string | undefined>('SLACK_APP_TOKEN', undefined),
      apiUrl: get<string | undefined>('SLACK_API_URL', undefined),
    },
    incidentChannel: get<string | undefined>('SSEC_INCIDENT_CHANNEL', undefined),
    approvals: {
      responders: get<string[]>('SSEC_RESPONDERS', []),
      twoPersonRule: get('SSEC_TWO_PERSON_RULE', true),
      required: get<1 | 2>('SSEC_APPROVALS_REQUIRED', 1),
      ttlMs: get('SSEC_APPROVAL_TTL_MINUTES', 60) * 60_000,
      reminderMs: get('SSEC_REMINDER_MINUTES', 15) * 60_000,
    },
    alerts: {
      token: get<string | undefined>('SSEC_ALERT_TOKEN', undefined),
      snsTopics: get<string[]>('SSEC_SNS_TOPICS', []),
      alarmBuckets: get<Record<string, string[]>>('SSEC_ALARM_BUCKETS', {}),
      correlationMs: get('SSEC_CORRELATION_MINUTES', 360) * 60_000,
    },
    aws: {
      forcePathStyle: get('SSEC_S3_FORCE_PATH_STYLE', false),
      assumeRoleName: get<string | undefined>('SSEC_ASSUME_ROLE_NAME', undefined),
      lookbackMs: get('SSEC_LOOKBACK_HOURS', 24) * 3_600_000,
      scanConcurrency: get('SSEC_SCAN_CONCURRENCY', 32),
      restoreConcurrency: get('SSEC_RESTORE_CONCURRENCY', 32),
      batchThreshold: get('SSEC_BATCH_THRESHOLD', 100_000),
      batchManifestBucket: get<string | undefined>('SSEC_BATCH_MANIFEST_BUCKET', undefined),
      batchRoleArn: get<string | undefined>('SSEC_BATCH_ROLE_ARN', undefined),
      backupRoleArn: get<string | undefined>('SSEC_BACKUP_ROLE_ARN', undefined),
    },
  };
}
