// S3 Batch Operations CSV: the manifest we write (`S3BatchOperations_CSV_20180820`) and the
// completion report S3 writes back (`Report_CSV_20180820`).

/** One manifest line: `bucket,url-encoded-key,versionId`. Keys are URL-encoded, as the format requires. */
export function manifestLine(bucket: string, key: string, versionId: string): string {
  return `${bucket},${encodeURIComponent(key)},${versionId}\n`;
}

/** Splits one CSV record (RFC 4180 quoting: `"a ""quoted"", text"`). */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** Records of a CSV document; newlines inside quotes stay inside their field. */
export function splitCsvRecords(text: string): string[] {
  const records: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) {
      records.push(text.slice(start, text[i - 1] === '\r' ? i - 1 : i));
      start = i + 1;
    }
  }
  if (start < text.length) records.push(text.slice(start));
  return records.filter((r) => r.length > 0);
}

export interface ReportRow {
  bucket: string;
  key: string;
  versionId: string;
  succeeded: boolean;
  errorCode: string;
  httpStatus: string;
  message: string;
}

function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Completion report rows: Bucket, Key (URL-encoded as in the manifest), VersionId, TaskStatus, then
 * the HTTP status and error code — in that order in AWS's documented examples, the other way round
 * in the manifest's ReportSchema, so the numeric one is taken as the status — and ResultMessage.
 */
export function parseReport(text: string): ReportRow[] {
  return splitCsvRecords(text).map((record) => {
    const [bucket = '', key = '', versionId = '', status = '', a = '', b = '', ...rest] =
      parseCsvLine(record);
    const statusFirst = /^\d{3}$/.test(a) || !/^\d{3}$/.test(b);
    return {
      bucket,
      key: decodeKey(key),
      versionId,
      succeeded: status.toLowerCase() === 'succeeded',
      httpStatus: statusFirst ? a : b,
      errorCode: statusFirst ? b : a,
      message: rest.join(','),
    };
  });
}
