import { UsageError } from '../errors.ts';
import { startAwsSandbox } from '../sandbox/aws/server.ts';
import { parseCommandLine } from './command-line.ts';
import { type CliIo, EXIT } from './io.ts';

const HELP = `Usage: ssec sandbox [--port N] [--host H] [--latency-ms N] [--slow-down-rate 0..1]

Runs the local AWS stand-in (S3 with versioning and SSE-C, IAM, STS, AWS Backup, S3 Batch
Operations) until interrupted, and prints how to point the AWS CLI or SDK at it.`;

export async function runSandboxCommand(args: string[], io: CliIo): Promise<number> {
  const values = parseCommandLine(
    args,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      'latency-ms': { type: 'string' },
      'slow-down-rate': { type: 'string' },
      help: { type: 'boolean' },
    },
    HELP,
  );
  if (values.help) {
    io.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }
  const port = values.port === undefined ? 4566 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0..65535, got "${values.port}"`);
  const latencyMs = Number(values['latency-ms'] ?? 0);
  const slowDownRate = Number(values['slow-down-rate'] ?? 0);
  if (!(slowDownRate >= 0 && slowDownRate <= 1))
    throw new UsageError('--slow-down-rate must be between 0 and 1');
  if (!(latencyMs >= 0)) throw new UsageError('--latency-ms must be a number of milliseconds');

  const sandbox = await startAwsSandbox({ port, host: values.host ?? '127.0.0.1', latencyMs, slowDownRate });
  const { accessKeyId, secretAccessKey } = sandbox.adminCredentials;
  io.stdout.write(
    [
      `AWS stand-in listening on ${sandbox.endpoint}`,
      '',
      'Point the AWS CLI or SDK at it:',
      `  export AWS_ENDPOINT_URL=${sandbox.endpoint}`,
      `  export AWS_ACCESS_KEY_ID=${accessKeyId}`,
      `  export AWS_SECRET_ACCESS_KEY=${secretAccessKey}`,
      `  export AWS_REGION=${sandbox.region}`,
      '  export SSEC_S3_FORCE_PATH_STYLE=true',
      '  aws s3api create-bucket --bucket demo && aws s3api list-buckets',
      '',
      'Ctrl-C stops it (state is in memory).',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.stop();
  return EXIT.ok;
}
