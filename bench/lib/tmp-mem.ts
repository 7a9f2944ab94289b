import { fork } from 'node:child_process';
import { join } from 'node:path';
import { assessBucket } from '../../src/aws/assess/assess-bucket.ts';
import { createAwsClientFactory } from '../../src/aws/clients.ts';
import { createStore } from '../../src/store/store.ts';
import { tempDir } from '../../test/helpers/temp.ts';
const objects = process.argv[2] ?? '300000';
const lc = Number(process.argv[3] ?? 1);
const child = fork('bench/lib/assess-sandbox-child.ts', [objects, '1'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
child.once('message', async (m: any) => {
  const f = createAwsClientFactory({ endpoint: m.endpoint, region: m.region, credentials: m.credentials, forcePathStyle: true, maxSockets: 48 });
  const { s3 } = f.forAccount();
  const t = tempDir();
  const store = createStore(join(t.dir, 'x.db'));
  const mb = (n: number) => Math.round(n / 1048576);
  const timer = setInterval(() => {
    const u = process.memoryUsage();
    console.log(JSON.stringify({ rss: mb(u.rss), heapTotal: mb(u.heapTotal), heapUsed: mb(u.heapUsed), external: mb(u.external), ab: mb(u.arrayBuffers) }));
  }, 5000);
  const s = await assessBucket({ s3, store, bucket: 'assess-bench', since: new Date('2025-01-13T10:00:00Z'), listConcurrency: lc });
  clearInterval(timer);
  console.log('done', s.counts.keys, 'maxRSS', process.resourceUsage().maxRSS >> 10);
  store.close(); t.cleanup(); f.destroy(); child.send({ cmd: 'stop' });
});
