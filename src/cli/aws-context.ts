import {
  type AwsClientFactory,
  type AwsClients,
  type AwsService,
  createAwsClientFactory,
} from '../aws/clients.ts';
import type { Config } from '../config/config.ts';
import type { CliIo } from './io.ts';

// The SDK reads AWS_ENDPOINT_URL_<SERVICE> from process.env only; a command reads its own env
// (tests run commands in-process), so the same variables are honoured here explicitly.
const SERVICE_ENDPOINT_VARS: Record<AwsService, string> = {
  s3: 'AWS_ENDPOINT_URL_S3',
  iam: 'AWS_ENDPOINT_URL_IAM',
  sts: 'AWS_ENDPOINT_URL_STS',
  backup: 'AWS_ENDPOINT_URL_BACKUP',
  s3control: 'AWS_ENDPOINT_URL_S3_CONTROL',
};

/** A command's AWS clients: the SDK chain, with the command environment's keys, region and endpoints. */
export function cliAwsClients(
  io: CliIo,
  config: Config,
  maxSockets = 64,
): { clients: AwsClients; factory: AwsClientFactory } {
  const env = io.env;
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  const endpoint = env.AWS_ENDPOINT_URL || undefined;
  const serviceEndpoints: Partial<Record<AwsService, string>> = {};
  for (const [service, name] of Object.entries(SERVICE_ENDPOINT_VARS) as Array<[AwsService, string]>) {
    const value = env[name];
    if (value) serviceEndpoints[service] = value;
  }
  const factory = createAwsClientFactory({
    ...(endpoint ? { endpoint } : {}),
    serviceEndpoints,
    ...(region ? { region } : {}),
    ...(credentials ? { credentials } : {}),
    forcePathStyle: config.aws.forcePathStyle,
    maxSockets,
  });
  return { clients: factory.forAccount(), factory };
}
