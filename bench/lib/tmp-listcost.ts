import { sendListVersions } from '../../src/aws/assess/list-versions.ts';
import { fork } from 'node:child_process';
import { ListObjectVersionsCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createAwsClientFactory } from '../../src/aws/clients.ts';
const child = fork('/work/main/bench/lib/assess-sandbox-child.ts', ['20000', '1'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
child.once('message', async (m: any) => {
  const f = createAwsClientFactory({ endpoint: m.endpoint, region: m.region, credentials: m.credentials, forcePathStyle: true });
  const { s3 } = f.forAccount();
  for (let round = 0; round < 2; round++) {
    let c0 = process.cpuUsage(); let t0 = performance.now();
    let marker: string | undefined; let vm: string | undefined; let n = 0;
    for (let i = 0; i < 20; i++) {
      const o = await sendListVersions(s3, { Bucket: 'assess-bench', KeyMarker: marker, VersionIdMarker: vm }, undefined); const out = { Versions: o.entries, NextKeyMarker: o.nextKeyMarker, NextVersionIdMarker: o.nextVersionIdMarker };
      n += (out.Versions?.length ?? 0); marker = out.NextKeyMarker; vm = out.NextVersionIdMarker;
    }
    let c = process.cpuUsage(c0);
    console.log('LIST', n, 'entries; cpu ms', (c.user + c.system) / 1000, 'wall', Math.round(performance.now() - t0), 'cpu µs/entry', Math.round((c.user + c.system) / n));
    c0 = process.cpuUsage(); t0 = performance.now();
    await Promise.all(Array.from({ length: 32 }, async (_, w) => { for (let i = w; i < 2000; i += 32) { try { await s3.send(new HeadObjectCommand({ Bucket: 'assess-bench', Key: `f${String(i % 100).padStart(3, '0')}/obj-${String(i).padStart(8, '0')}.dat` })); } catch {} } }));
    c = process.cpuUsage(c0);
    console.log('HEAD 2000; cpu ms', (c.user + c.system) / 1000, 'wall', Math.round(performance.now() - t0), 'cpu µs/head', Math.round((c.user + c.system) / 2000));
  }
  child.send({ cmd: 'stop' }); f.destroy();
});
