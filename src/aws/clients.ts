import { BackupClient } from '@aws-sdk/client-backup';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { withoutAccountHostPrefix } from './s3-control-endpoint.ts';

export interface AwsClients {
  region: string;
  accountId: string | undefined;
  s3: S3Client;
  iam: IAMClient;
  sts: STSClient;
  backup: BackupClient;
  s3control: S3ControlClient;
}

export interface AwsClientFactoryOptions {
  /** Default region; else the SDK's chain (AWS_REGION, profile). */
  region?: string;
  /** Explicit endpoint for every service (tests, the drill); production relies on AWS_ENDPOINT_URL*. */
  endpoint?: string;
  /** Per-service endpoints, over `endpoint` (the CLI's AWS_ENDPOINT_URL_<SERVICE> from its own env). */
  serviceEndpoints?: Partial<Record<AwsService, string>>;
  forcePathStyle?: boolean;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Role name assumed in an account other than the home one (GuardDuty delegated administrator). */
  assumeRoleName?: string;
  /** The account the base credentials belong to; alerts naming it need no role. */
  homeAccountId?: string;
  /** Sockets per client: the scanner and restorer run this many requests at once. */
  maxSockets?: number;
  maxAttempts?: number;
}

export type AwsService = 's3' | 'iam' | 'sts' | 'backup' | 's3control';

export interface AwsClientFactory {
  /** Clients for an account and region, built once and reused. */
  forAccount(accountId?: string, region?: string): AwsClients;
  destroy(): void;
}

export function createAwsClientFactory(opts: AwsClientFactoryOptions = {}): AwsClientFactory {
  const cache = new Map<string, AwsClients>();
  const maxSockets = opts.maxSockets ?? 256;
  const requestHandler = {
    httpAgent: { keepAlive: true, maxSockets },
    httpsAgent: { keepAlive: true, maxSockets },
  };
  const base = {
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    // S3 answers 503 SlowDown while it scales a prefix: adaptive retry slows the client down
    // instead of failing; callers add their own outer retry so a run never gives up.
    retryMode: 'adaptive',
    maxAttempts: opts.maxAttempts ?? 8,
    requestHandler,
  };

  function build(accountId: string | undefined, region: string | undefined): AwsClients {
    const regional = region ? { ...base, region } : base;
    const at = <C extends object>(service: AwsService, config: C): C => {
      const endpoint = opts.serviceEndpoints?.[service];
      return endpoint ? { ...config, endpoint } : config;
    };
    const needsRole =
      accountId !== undefined && opts.assumeRoleName !== undefined && accountId !== opts.homeAccountId;
    const sts = new STSClient(at('sts', regional));
    const config = needsRole
      ? {
          ...regional,
          credentials: assumedRole(sts, `arn:aws:iam::${accountId}:role/${opts.assumeRoleName}`),
        }
      : regional;
    const s3control = new S3ControlClient(at('s3control', config));
    withoutAccountHostPrefix(s3control);
    return {
      region: region ?? opts.region ?? 'us-east-1',
      accountId,
      s3: new S3Client({ ...at('s3', config), forcePathStyle: opts.forcePathStyle ?? false }),
      iam: new IAMClient(at('iam', config)),
      sts: needsRole ? new STSClient(at('sts', config)) : sts,
      backup: new BackupClient(at('backup', config)),
      s3control,
    };
  }

  return {
    forAccount(accountId, region) {
      const key = `${accountId ?? 'home'}/${region ?? opts.region ?? ''}`;
      let clients = cache.get(key);
      if (!clients) {
        clients = build(accountId, region);
        cache.set(key, clients);
      }
      return clients;
    },
    destroy() {
      for (const c of cache.values()) {
        c.s3.destroy();
        c.iam.destroy();
        c.sts.destroy();
        c.backup.destroy();
        c.s3control.destroy();
      }
      cache.clear();
    },
  };
}

/** Temporary credentials for a role, refreshed five minutes before they expire. */
function assumedRole(sts: STSClient, roleArn: string): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  return async () => {
    if (current?.expiration && current.expiration.getTime() - Date.now() > 5 * 60_000) return current;
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ssec-responder' }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new Error(`AssumeRole ${roleArn} returned no credentials`);
    current = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
    return current;
  };
}
