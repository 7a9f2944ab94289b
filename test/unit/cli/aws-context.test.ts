import { describe, expect, it } from 'vitest';
import { cliAwsClients } from '../../../src/cli/aws-context.ts';
import type { CliIo } from '../../../src/cli/io.ts';
import { loadConfig } from '../../../src/config/config.ts';

function ioWith(env: NodeJS.ProcessEnv): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env, interactive: false };
}

async function endpointOf(client: {
  config: { endpoint?: () => Promise<{ hostname: string; port?: number }> };
}) {
  const e = await client.config.endpoint?.();
  return e ? `${e.hostname}:${e.port}` : undefined;
}

describe('cliAwsClients', () => {
  const config = loadConfig({}, { mode: 'cli' });

  it('takes keys, region and endpoints from the command environment, a service variable over the general one', async () => {
    const { clients, factory } = cliAwsClients(
      ioWith({
        AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE0000',
        AWS_SECRET_ACCESS_KEY: 'fake-secret-not-real',
        AWS_REGION: 'eu-west-3',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4001',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4002',
        AWS_ENDPOINT_URL_BACKUP: 'http://127.0.0.1:4003',
      }),
      config,
    );
    try {
      expect(await endpointOf(clients.s3)).toBe('127.0.0.1:4002');
      expect(await endpointOf(clients.backup)).toBe('127.0.0.1:4003');
      expect(await endpointOf(clients.iam)).toBe('127.0.0.1:4001');
      expect(await endpointOf(clients.sts)).toBe('127.0.0.1:4001');
      expect(await clients.s3.config.region()).toBe('eu-west-3');
      const creds = await clients.iam.config.credentials();
      expect(creds.accessKeyId).toBe('AKIAFAKEFAKEFAKE0000');
    } finally {
      factory.destroy();
    }
  });
});
