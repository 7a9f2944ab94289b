// Every environment variable the bot reads, in one table: the loader, `.env.example` and the
// README are all kept in step with this list (a test compares them).

export type EnvMode = 'serve' | 'cli';

export interface EnvVar {
  name: string;
  description: string;
  example: string;
  /** Secrets are never echoed back in error messages or logs. */
  secret?: boolean;
  /** Required in these modes; optional otherwise. */
  requiredIn?: EnvMode[];
}

export const ENV_VARS: readonly EnvVar[] = [
  // Slack
  {
    name: 'SLACK_BOT_TOKEN',
    description: 'Bot token of the Slack app (OAuth & Permissions page)',
    example: 'xoxb-REPLACE_ME',
    secret: true,
    requiredIn: ['serve'],
  },
  {
    name: 'SLACK_SIGNING_SECRET',
    description:
      'Signing secret used to verify requests from Slack (Basic Information page); not needed in Socket Mode',
    example: 'your-signing-secret',
    secret: true,
  },
  {
    name: 'SLACK_APP_TOKEN',
    description: 'App-level token with connections:write; when set the bot uses Socket Mode instead of HTTP',
    example: 'xapp-REPLACE_ME',
    secret: true,
  },
  {
    name: 'SLACK_API_URL',
    description: "Base URL of the Slack Web API (default Slack's own; set it to a stand-in for tests)",
    example: 'https://slack.com/api/',
  },
  {
    name: 'SSEC_INCIDENT_CHANNEL',
    description: 'Channel id where incident threads are opened',
    example: 'C0123456789',
    requiredIn: ['serve'],
  },
  {
    name: 'SSEC_RESPONDERS',
    description: 'Comma-separated Slack user ids (U…/W…) and user-group ids (S…) allowed to approve steps',
    example: 'U0123456789,S0123456789',
    requiredIn: ['serve'],
  },
  {
    name: 'SSEC_TWO_PERSON_RULE',
    description: 'When true, whoever requested a destructive step may not approve it',
    example: 'true',
  },
  {
    name: 'SSEC_APPROVALS_REQUIRED',
    description: 'How many distinct responders must approve each destructive step (1 or 2)',
    example: '1',
  },
  {
    name: 'SSEC_APPROVAL_TTL_MINUTES',
    description:
      'Minutes after which an unanswered approval request expires, and after which an approval no longer covers a retry',
    example: '60',
  },
  {
    name: 'SSEC_REMINDER_MINUTES',
    description: 'Minutes between reminders while an approval waits',
    example: '15',
  },
  // HTTP and storage
  { name: 'PORT', description: 'HTTP port for /slack/events, /alerts/* and /healthz', example: '3000' },
  {
    name: 'SSEC_DB_PATH',
    description: 'SQLite database file (its folder is created)',
    example: './data/ssec.db',
  },
  {
    name: 'SSEC_LOG_LEVEL',
    description: 'Log level: fatal, error, warn, info, debug, trace',
    example: 'info',
  },
  // Alerts
  {
    name: 'SSEC_ALERT_TOKEN',
    description:
      'Shared secret an EventBridge API destination sends in x-ssec-alert-token (unset: the route refuses all)',
    example: 'a-long-random-string',
    secret: true,
  },
  {
    name: 'SSEC_SNS_TOPICS',
    description: 'Comma-separated SNS topic ARNs whose subscriptions and notifications are accepted',
    example: 'arn:aws:sns:us-east-1:123456789012:guardduty-findings',
  },
  {
    name: 'SSEC_ALARM_BUCKETS',
    description: 'CloudWatch alarm name to buckets, as alarm=bucket1|bucket2 pairs separated by commas',
    example: 's3-ssec-writes=prod-data|prod-logs',
  },
  {
    name: 'SSEC_CORRELATION_MINUTES',
    description: 'Alerts naming the same key (or bucket) within this many minutes join one incident',
    example: '360',
  },
  // AWS behaviour
  {
    name: 'SSEC_S3_FORCE_PATH_STYLE',
    description: 'Use path-style S3 addressing (needed by local S3 servers)',
    example: 'false',
  },
  {
    name: 'SSEC_ASSUME_ROLE_NAME',
    description: 'Role name assumed in other accounts of the organisation when an alert names them',
    example: 'ssec-responder',
  },
  {
    name: 'SSEC_LOOKBACK_HOURS',
    description: 'Incident window start, in hours before the first alert, when none is given',
    example: '24',
  },
  { name: 'SSEC_SCAN_CONCURRENCY', description: 'Parallel HEAD requests while assessing', example: '32' },
  { name: 'SSEC_RESTORE_CONCURRENCY', description: 'Parallel copies while restoring', example: '32' },
  {
    name: 'SSEC_BATCH_THRESHOLD',
    description: 'Restores of more objects than this run as S3 Batch Operations jobs',
    example: '100000',
  },
  {
    name: 'SSEC_BATCH_MANIFEST_BUCKET',
    description: 'Bucket for S3 Batch Operations manifests and completion reports',
    example: 'ssec-batch-manifests',
  },
  {
    name: 'SSEC_BATCH_ROLE_ARN',
    description: 'IAM role trusted by batchoperations.s3.amazonaws.com for restore jobs',
    example: 'arn:aws:iam::123456789012:role/ssec-batch-restore',
  },
  {
    name: 'SSEC_BACKUP_ROLE_ARN',
    description: 'IAM role AWS Backup uses to restore recovery points',
    example: 'arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole',
  },
];
