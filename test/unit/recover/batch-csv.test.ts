import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  manifestLine,
  parseCsvLine,
  parseReport,
  splitCsvRecords,
} from '../../../src/aws/recover/batch-csv.ts';

describe('the Batch Operations CSV', () => {
  it('writes bucket,url-encoded-key,versionId lines', () => {
    expect(manifestLine('b', 'dir/a, "b".txt', 'v1')).toBe('b,dir%2Fa%2C%20%22b%22.txt,v1\n');
  });

  it('reads back every key it wrote, through the report’s quoting', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, unit: 'grapheme' }), { minLength: 1, maxLength: 20 }),
        (keys) => {
          const report = keys
            .map((k, i) => `"b","${encodeURIComponent(k)}","v${i}","succeeded","200","","Successful"`)
            .join('\n');
          expect(parseReport(report).map((r) => r.key)).toEqual(keys);
        },
      ),
    );
  });

  it('takes the HTTP status and error code in either documented order, and keeps commas in messages', () => {
    const [a, b] = parseReport(
      'b,k1,v1,failed,404,NoSuchVersion,"The specified version does not exist, sorry"\r\nb,k2,v2,failed,AccessDenied,403,Access Denied\n',
    );
    expect(a).toMatchObject({
      key: 'k1',
      succeeded: false,
      httpStatus: '404',
      errorCode: 'NoSuchVersion',
      message: 'The specified version does not exist, sorry',
    });
    expect(b).toMatchObject({ key: 'k2', httpStatus: '403', errorCode: 'AccessDenied' });
  });

  it('keeps quoted newlines and doubled quotes inside a field', () => {
    expect(splitCsvRecords('a,"x\ny"\nb,c\n')).toEqual(['a,"x\ny"', 'b,c']);
    expect(parseCsvLine('a,"say ""hi""",c')).toEqual(['a', 'say "hi"', 'c']);
  });
});
