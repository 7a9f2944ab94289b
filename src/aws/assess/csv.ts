import type { Writable } from 'node:stream';
import type { Assessments } from '../../store/assessments.ts';
import { writeChunk } from './report.ts';

export const CSV_COLUMNS = [
  'key',
  'versionId',
  'restoreVersionId',
  'reason',
  'category',
  'bucket',
  'lastModified',
  'size',
  'isDeleteMarker',
  'restoreSize',
  'restoreEtag',
  'previousVersionId',
  'httpStatus',
  // New columns go last: readers that address columns by position keep working.
  'restoreStorageClass',
] as const;

type Column = (typeof CSV_COLUMNS)[number];
export type CsvCategory = 'affected' | 'unrecoverable' | 'changed' | 'deleted' | 'error';

/**
 * RFC 4180: a field holding a comma, quote, CR or LF is quoted and its quotes doubled. Keys are
 * written exactly as S3 holds them (a spreadsheet may read a leading `=` as a formula; this file
 * is a manifest first).
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(row: Partial<Record<Column, string | number | boolean | null>>): string {
  return `${CSV_COLUMNS.map((c) => csvField(row[c])).join(',')}\r\n`;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/** Streams one run as CSV rows: affected (and unrecoverable), then changed/deleted, then errors. */
export async function writeAssessmentCsv(
  store: { assessments: Assessments },
  runId: number,
  out: Writable,
  opts: { header?: boolean } = {},
): Promise<void> {
  const repo = store.assessments;
  const bucket = repo.getRun(runId)?.bucket ?? '';
  let chunk = opts.header === false ? '' : csvHeader();
  const flush = async (force = false) => {
    if (force || chunk.length > 64 * 1024) {
      await writeChunk(out, chunk);
      chunk = '';
    }
  };
  for (const a of repo.affected(runId)) {
    chunk += csvRow({
      key: a.key,
      versionId: a.versionId,
      restoreVersionId: a.restoreVersionId,
      reason: a.reason,
      category: a.restoreVersionId === null ? 'unrecoverable' : 'affected',
      bucket,
      lastModified: a.lastModified.toISOString(),
      size: a.size,
      isDeleteMarker: a.isDeleteMarker,
      restoreSize: a.restoreSize,
      restoreEtag: a.restoreEtag,
      restoreStorageClass: a.restoreStorageClass,
    });
    await flush();
  }
  for (const c of repo.changed(runId)) {
    chunk += csvRow({
      key: c.key,
      versionId: c.versionId,
      reason: c.isDeleteMarker
        ? 'deleted during the incident window'
        : 'written without SSE-C during the incident window',
      category: c.isDeleteMarker ? 'deleted' : 'changed',
      bucket,
      lastModified: c.lastModified.toISOString(),
      size: c.size,
      isDeleteMarker: c.isDeleteMarker ?? false,
      previousVersionId: c.previousVersionId ?? null,
    });
    await flush();
  }
  for (const e of repo.errors(runId)) {
    chunk += csvRow({
      key: e.key,
      versionId: e.versionId,
      reason: `${e.code}: ${e.message}`,
      category: 'error',
      bucket,
      httpStatus: e.httpStatus,
    });
    await flush();
  }
  await flush(true);
}
