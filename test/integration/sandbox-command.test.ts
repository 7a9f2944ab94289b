import { spawn } from 'node:child_process';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/ssec.js', import.meta.url).pathname;

describe('ssec sandbox', () => {
  it('prints an endpoint and credentials the real SDK can use, and stops on SIGTERM with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let out = '';
    child.stdout.setEncoding('utf8');
    const printed = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: string) => {
        out += c;
        if (out.includes('Ctrl-C')) resolve(out);
      });
      child.on('exit', () => reject(new Error(`exited early: ${out}`)));
    });
    const value = (name: string) => printed.match(new RegExp(`export ${name}=(\\S+)`))?.[1];
    const endpoint = value('AWS_ENDPOINT_URL');
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const s3 = new S3Client({
      endpoint,
      region: value('AWS_REGION'),
      forcePathStyle: true,
      credentials: {
        accessKeyId: value('AWS_ACCESS_KEY_ID')!,
        secretAccessKey: value('AWS_SECRET_ACCESS_KEY')!,
      },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'sandbox-command-test' }));
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => b.Name)).toContain('sandbox-command-test');
    s3.destroy();
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  }, 30_000);
});
