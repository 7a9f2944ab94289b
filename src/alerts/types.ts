// The normalised shape every alert source is reduced to, so correlation, incidents and Slack
// never need to know whether a signal came from GuardDuty, CloudTrail or a CloudWatch alarm.

export type AlertSource = 'guardduty' | 'cloudtrail' | 'cloudwatch';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export const ALERT_SIGNALS = [
  /** A write whose new version needs a customer-provided key (SSE-C). */
  'sse-c-write',
  /** CopyObject of an object onto itself: the current version was replaced, not added. */
  'in-place-copy',
  /** A write encrypted with a KMS key owned by another account. */
  'foreign-kms-write',
  /** A lifecycle rule that expires current versions (adds delete markers). */
  'lifecycle-expire-current',
  /** A lifecycle rule that permanently deletes noncurrent versions: the clean copies. */
  'lifecycle-expire-noncurrent',
  'versioning-suspended',
  'bulk-delete',
  /** DeleteRecoveryPoint / DeleteBackupVault against AWS Backup. */
  'backup-deleted',
  'guardduty-finding',
  'attack-sequence',
  'malicious-ip',
  'anomalous-behavior',
  'alarm',
  /** The API call was refused (errorCode set): an attempt, not damage. */
  'request-failed',
] as const;

export type AlertSignal = (typeof ALERT_SIGNALS)[number];

export interface Principal {
  /** CloudTrail `userIdentity.type` or GuardDuty `userType` (IAMUser, AssumedRole, Root...). */
  type?: string;
  /** IAM user name, or the role name for assumed-role sessions. */
  userName?: string;
  arn?: string;
  principalId?: string;
  /** The account that owns the credentials, which can differ from the account of the bucket. */
  accountId?: string;
}

export interface LifecycleRuleSummary {
  id?: string;
  prefix?: string;
  enabled: boolean;
  expirationDays?: number;
  expirationDate?: Date;
  noncurrentDays?: number;
  newerNoncurrentVersions?: number;
}

export interface LifecycleDetails {
  rules: LifecycleRuleSummary[];
  /** Shortest `Expiration.Days` among enabled rules. */
  expireCurrentAfterDays?: number;
  /** Earliest `Expiration.Date` among enabled rules. */
  expireCurrentOn?: Date;
  /** Shortest `NoncurrentVersionExpiration.NoncurrentDays` among enabled rules: the real deadline. */
  expireNoncurrentAfterDays?: number;
}

export interface ParsedAlert {
  source: AlertSource;
  /** Stable identity of the event, identical however often and by whichever route it arrives. */
  dedupKey: string;
  /** GuardDuty finding type, CloudTrail eventName, or `CloudWatchAlarm`. */
  type: string;
  title: string;
  description?: string;
  severity: Severity;
  /** Deduplicated, each shaped like an IAM access key id. */
  accessKeyIds: string[];
  principal?: Principal;
  /** The account the event happened in (the bucket's account for CloudTrail). */
  accountId?: string;
  region?: string;
  buckets: string[];
  /** A bounded sample, never the full list. */
  objectKeys: string[];
  /** When the event happened (CloudTrail eventTime, GuardDuty updatedAt, alarm state change). */
  observedAt: Date;
  firstSeen?: Date;
  lastSeen?: Date;
  /** How many occurrences this alert stands for (GuardDuty's count; 1 otherwise). */
  count: number;
  sourceIp?: string;
  signals: AlertSignal[];
  lifecycle?: LifecycleDetails;
  /** EventBridge envelope id, when there was one. */
  eventId?: string;
  findingId?: string;
  /** CloudTrail requestID, for the audit trail and AWS support. */
  requestId?: string;
  /** CloudTrail errorCode of a refused call. */
  errorCode?: string;
  alarmName?: string;
}

export type ParseResult =
  | { kind: 'alert'; alert: ParsedAlert }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; reason: string };

export interface ParseOptions {
  /** CloudWatch alarm name → buckets it watches. */
  alarmBuckets?: Record<string, string[]>;
  /** GuardDuty "generate sample findings" output is ignored unless this is set (drills). */
  acceptSampleFindings?: boolean;
  /**
   * ARNs of principals whose CloudTrail events are ignored: the bot's own role, whose
   * containment steps (lifecycle, versioning) would otherwise raise alerts of their own.
   */
  ignorePrincipalArns?: string[];
}
