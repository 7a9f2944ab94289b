// The affected-objects list as CSV, streamed from SQLite run by run. Slack takes files up to 1 GB,
// but a thread attachment is for people: past `maxRows` the file says where the full list is.

import type { Assessments, AssessRun } from '../../store/assessments.ts';

// New columns go last, so a sheet or script that reads columns by position keeps working.
const HEADER =
  'bucket,key,attacker_version_id,restore_version_id,recovery_status,size,last_modified,reason,restore_storage_class';

function field(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  // RFC 4180 quoting; a leading =+-@ is quoted too so a spreadsheet never runs a key name as a formula.
  return /[",\r\n]|^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface AffectedCsv {
  content: Buffer;
  rows: number;
  /** Rows left out past `maxRows`. */
  omitted: number;
}

export function affectedCsv(assessments: Assessments, runs: AssessRun[], maxRows = 200_000): AffectedCsv {
  const lines = [HEADER];
  let rows = 0;
  let omitted = 0;
  for (const run of runs) {
    for (const o of assessments.affected(run.id)) {
      if (rows >= maxRows) {
        omitted++;
        continue;
      }
      rows++;
      lines.push(
        [
          field(run.bucket),
          field(o.key),
          field(o.versionId),
          field(o.restoreVersionId),
          field(o.recoveryStatus),
          field(o.size),
          field(o.lastModified.toISOString()),
          field(o.reason),
          field(o.restoreStorageClass),
        ].join(','),
      );
    }
  }
  if (omitted > 0)
    lines.push(`# …and ${omitted} more rows; the full list: ssec assess --bucket <bucket> --format json`);
  return { content: Buffer.from(`${lines.join('\n')}\n`, 'utf8'), rows, omitted };
}
