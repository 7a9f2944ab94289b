import { createHash } from 'node:crypto';
import type { SeedVersion } from '../sandbox/aws/s3-store.ts';
import { bytes, pick } from './random.ts';

const PREFIXES = [
  'invoices/2025/',
  'invoices/2026/',
  'contracts/signed/',
  'hr/payroll/',
  'images/products/',
  'exports/crm/daily/',
  'backups/db/',
  'reports/quarterly/',
];

const TYPES: [ext: string, contentType: string, min: number, max: number][] = [
  ['pdf', 'application/pdf', 2_000, 12_000],
  ['csv', 'text/csv', 400, 6_000],
  ['json', 'application/json', 200, 3_000],
  ['png', 'image/png', 1_500, 16_000],
  ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 3_000, 10_000],
  ['sql.gz', 'application/gzip', 4_000, 20_000],
];

const DAY = 86_400_000;

export interface SeededBucket {
  keys: string[];
  /** Keys a legitimate application stored with SSE-C long before the incident. */
  legitSseCKeys: Set<string>;
  versions: number;
}

/**
 * A realistic versioned bucket: keys across prefixes with mixed types and sizes, some with older
 * versions, a few legitimately SSE-C-encrypted long ago. Every version predates `before` by at
 * least a day, so none of it falls inside the incident window.
 */
export function* drillBucketVersions(
  rand: () => number,
  opts: { objects: number; before: Date },
  out: SeededBucket,
): Generator<SeedVersion> {
  const legitKeyMd5 = createHash('md5').update(bytes(rand, 32)).digest('base64');
  for (let i = 0; i < opts.objects; i++) {
    const prefix = PREFIXES[i % PREFIXES.length]!;
    const [ext, contentType, min, max] = pick(rand, TYPES);
    const legit = rand() < 0.03;
    const key =
      `${prefix}${legit ? 'vault/' : ''}${ext.replace('.', '-')}-${String(i).padStart(6, '0')} ${pick(rand, ['', 'final', 'v2', 'Q3 (copy)', 'résumé'])}`.trimEnd() +
      `.${ext}`;
    out.keys.push(key);
    if (legit) out.legitSseCKeys.add(key);
    const history = rand() < 0.3 ? 1 + Math.floor(rand() * 2) : 0;
    for (let h = history; h >= 0; h--) {
      const age = (2 + rand() * 360 + h * 30) * DAY;
      const size = Math.floor(min + rand() * (max - min));
      // Bodies are small and deterministic; what matters to the scan is versions and metadata.
      const body = Buffer.from(`${key}#${h}:`.padEnd(Math.min(size, 512), '.'));
      out.versions++;
      yield {
        key,
        body,
        contentType,
        metadata: { department: prefix.split('/')[0]!, revision: String(history - h + 1) },
        lastModified: new Date(opts.before.getTime() - age),
        ...(legit ? { sseCustomerAlgorithm: 'AES256', sseCustomerKeyMd5: legitKeyMd5 } : {}),
      };
    }
  }
}
