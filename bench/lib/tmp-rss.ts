const r0 = process.memoryUsage().rss;
const { S3Client } = await import('@aws-sdk/client-s3');
const r1 = process.memoryUsage().rss;
await import('../../src/aws/assess/assess-bucket.ts');
await import('../../src/store/store.ts');
const r2 = process.memoryUsage().rss;
new S3Client({ region: 'us-east-1' });
console.log(JSON.stringify({ start: r0 >> 20, sdk: r1 >> 20, ours: r2 >> 20, maxRss: process.resourceUsage().maxRSS >> 10 }));
