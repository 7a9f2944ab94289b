// A restore in its own process, for the crash test: the parent kills it with SIGKILL mid-run and
// resumes from the same SQLite file. Config comes as one JSON argument; progress goes to stdout.

import { S3Client } from '@aws-sdk/client-s3';
import { recover } from '../../src/aws/recover/recover.ts';
import { createStore } from '../../src/store/store.ts';

interface ChildConfig {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  dbPath: string;
  runIds: number[];
  concurrency: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const s3 = new S3Client({
  endpoint: config.endpoint,
  region: config.region,
  forcePathStyle: true,
  credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
  maxAttempts: 3,
});
const store = createStore(config.dbPath);
const result = await recover({
  clients: { s3 },
  store,
  runIds: config.runIds,
  concurrency: config.concurrency,
  onProgress: (p) => process.stdout.write(`progress ${p.done}\n`),
});
process.stdout.write(`result ${JSON.stringify({ restored: result.restored, copied: result.copied })}\n`);
store.close();
s3.destroy();
