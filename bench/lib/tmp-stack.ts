import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
const s3 = new S3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const cmd = new ListObjectVersionsCommand({ Bucket: 'b' });
cmd.middlewareStack.add((next) => async (args) => next(args), { step: 'deserialize', name: 'mine', priority: 'low' });
cmd.middlewareStack.add((next, ctx) => async (args) => { console.log((cmd.middlewareStack as any).identify?.().join('\n')); throw new Error('stop'); }, { step: 'initialize', name: 'dump', priority: 'high' });
s3.send(cmd).catch((e) => console.log(String(e)));
