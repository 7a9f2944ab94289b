// The IAM actions each AWS SDK v3 command needs, for every command the bot's runtime code sends
// (src/ outside src/sandbox/ and src/drill/). deploy/iam-policy.json is built from this table and
// test/unit/iam-policy.test.ts keeps the three in step: a new command fails the test until it is
// listed here, and the policy may grant nothing that no listed command needs.
//
// Sources: the AWS Service Authorization Reference ("Actions, resources, and condition keys for
// Amazon S3 / AWS Identity and Access Management / AWS STS / AWS Backup", including the S3 page's
// table "API operations defined by Amazon S3", which maps each operation to its actions), the S3 API
// reference's "Permissions" sections, and the S3 User Guide's "Granting permissions for Batch
// Operations". Where an operation needs an action only for some inputs, the action is listed when
// this code sends that input; the comment says which.

/** SDK command class name → the IAM actions one call of it may need. */
export const SDK_COMMAND_ACTIONS: Record<string, string[]> = {
  // ---- S3: assess (read-only) ----

  // s3:ListBucketVersions, not s3:ListBucket: listing versions is its own action.
  ListObjectVersionsCommand: ['s3:ListBucketVersions'],
  // HEAD is authorised as GET: s3:GetObject, and s3:GetObjectVersion when a VersionId is given
  // (assess heads each candidate version). Without s3:ListBucket on the bucket, S3 answers 403 instead
  // of 404 for a key that does not exist (HeadObject API reference, "Permissions"); recover/verify and
  // the Backup copy-back tell "not there" from "refused" by that 404, so s3:ListBucket is needed too.
  HeadObjectCommand: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket'],
  GetBucketVersioningCommand: ['s3:GetBucketVersioning'],
  // The action keeps the older name: GetBucketLifecycleConfiguration → s3:GetLifecycleConfiguration.
  GetBucketLifecycleConfigurationCommand: ['s3:GetLifecycleConfiguration'],
  GetBucketEncryptionCommand: ['s3:GetEncryptionConfiguration'],
  GetBucketPolicyCommand: ['s3:GetBucketPolicy'],

  // ---- S3: contain (bucket configuration) ----

  // PutBucketEncryption replaces the default-encryption configuration (BlockedEncryptionTypes SSE-C).
  PutBucketEncryptionCommand: ['s3:PutEncryptionConfiguration'],
  // There is no s3:DeleteEncryptionConfiguration: DeleteBucketEncryption needs
  // s3:PutEncryptionConfiguration (DeleteBucketEncryption API reference). Used by rollback.
  DeleteBucketEncryptionCommand: ['s3:PutEncryptionConfiguration'],
  PutBucketPolicyCommand: ['s3:PutBucketPolicy'],
  DeleteBucketPolicyCommand: ['s3:DeleteBucketPolicy'],
  PutBucketLifecycleConfigurationCommand: ['s3:PutLifecycleConfiguration'],

  // ---- S3: recover (copy a clean version onto its key) ----

  // Source: s3:GetObject, and s3:GetObjectVersion because CopySource names a versionId. Tags are
  // copied (x-amz-tagging-directive defaults to COPY): s3:GetObjectTagging / s3:GetObjectVersionTagging
  // on the source and s3:PutObjectTagging on the destination, or a tagged object's copy is refused
  // (AWS Knowledge Center, "troubleshoot copying between buckets"). Destination: s3:PutObject.
  CopyObjectCommand: [
    's3:GetObject',
    's3:GetObjectVersion',
    's3:PutObject',
    's3:GetObjectTagging',
    's3:GetObjectVersionTagging',
    's3:PutObjectTagging',
  ],
  // Objects over 5 GB: CreateMultipartUpload + UploadPartCopy + CompleteMultipartUpload. The upload
  // is created with the source's tags in x-amz-tagging, which needs s3:PutObjectTagging as PutObject does.
  CreateMultipartUploadCommand: ['s3:PutObject', 's3:PutObjectTagging'],
  // UploadPartCopy reads the source range (s3:GetObject, s3:GetObjectVersion for ?versionId=) and
  // writes a part of the destination (s3:PutObject) — "permissions required for UploadPartCopy".
  UploadPartCopyCommand: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
  CompleteMultipartUploadCommand: ['s3:PutObject'],
  AbortMultipartUploadCommand: ['s3:AbortMultipartUpload'],
  // The source version's tags, to set them on the multipart upload.
  GetObjectTaggingCommand: ['s3:GetObjectTagging', 's3:GetObjectVersionTagging'],
  // Batch Operations completion reports (no VersionId today; s3:GetObjectVersion if one is sent).
  GetObjectCommand: ['s3:GetObject', 's3:GetObjectVersion'],
  // Batch Operations manifests (CSV), written without tags.
  PutObjectCommand: ['s3:PutObject'],

  // ---- S3 Control: Batch Operations ----

  // CreateJob needs iam:PassRole for the job's role (S3 User Guide, "Granting permissions for Batch
  // Operations"); s3:CreateJob has no resource type, so its Resource is "*".
  CreateJobCommand: ['s3:CreateJob', 'iam:PassRole'],
  DescribeJobCommand: ['s3:DescribeJob'],
  // Confirms a job created with ConfirmationRequired (RequestedJobStatus Ready).
  UpdateJobStatusCommand: ['s3:UpdateJobStatus'],

  // ---- AWS Backup ----

  ListRecoveryPointsByResourceCommand: ['backup:ListRecoveryPointsByResource'],
  GetRecoveryPointRestoreMetadataCommand: ['backup:GetRecoveryPointRestoreMetadata'],
  // StartRestoreJob passes IamRoleArn, the role AWS Backup uses to create and fill the restore bucket.
  StartRestoreJobCommand: ['backup:StartRestoreJob', 'iam:PassRole'],
  DescribeRestoreJobCommand: ['backup:DescribeRestoreJob'],

  // ---- IAM: contain a key ----

  UpdateAccessKeyCommand: ['iam:UpdateAccessKey'],
  // IAM has no GetAccessKey: a key's status comes from its user's key list.
  ListAccessKeysCommand: ['iam:ListAccessKeys'],
  GetAccessKeyLastUsedCommand: ['iam:GetAccessKeyLastUsed'],
  ListAttachedUserPoliciesCommand: ['iam:ListAttachedUserPolicies'],
  // Attach/detach AWSDenyAll only; the policy narrows both with the iam:PolicyARN condition key.
  AttachUserPolicyCommand: ['iam:AttachUserPolicy'],
  DetachUserPolicyCommand: ['iam:DetachUserPolicy'],
  // Revoking a role's older sessions: the inline policy AWSRevokeOlderSessions (aws:TokenIssueTime).
  GetRolePolicyCommand: ['iam:GetRolePolicy'],
  PutRolePolicyCommand: ['iam:PutRolePolicy'],
  DeleteRolePolicyCommand: ['iam:DeleteRolePolicy'],

  // ---- STS ----

  // Maps a key id to its account; no resource type ("*").
  GetAccessKeyInfoCommand: ['sts:GetAccessKeyInfo'],
  // Cross-account: the role named SSEC_ASSUME_ROLE_NAME in the account an alert names.
  AssumeRoleCommand: ['sts:AssumeRole'],
  // Which account the bot itself runs in; AWS documents that no permission is needed for it.
  GetCallerIdentityCommand: [],
};

/** Every action the given commands need, sorted; unknown commands are returned separately. */
export function actionsForCommands(commands: Iterable<string>): { actions: string[]; unknown: string[] } {
  const actions = new Set<string>();
  const unknown: string[] = [];
  for (const command of commands) {
    const needed = SDK_COMMAND_ACTIONS[command];
    if (needed === undefined) unknown.push(command);
    else for (const action of needed) actions.add(action);
  }
  return { actions: [...actions].sort(), unknown: unknown.sort() };
}
