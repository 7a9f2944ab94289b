import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseListVersionsXml } from '../../../src/aws/assess/list-versions-xml.ts';
import { escapeXml } from '../../../src/sandbox/aws/xml.ts';

// The example from the ListObjectVersions API reference, with a delete marker between versions.
const AWS_EXAMPLE = `<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name>
  <Prefix>my</Prefix>
  <KeyMarker/>
  <VersionIdMarker/>
  <MaxKeys>5</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <NextKeyMarker>my-second-image.jpg</NextKeyMarker>
  <NextVersionIdMarker>03jpff543dhffds434rfdsFDN943fdsFkdmqnh892</NextVersionIdMarker>
  <Version>
    <Key>my-image.jpg</Key>
    <VersionId>3/L4kqtJl40Nr8X8gdRQBpUMLUo</VersionId>
    <IsLatest>true</IsLatest>
    <LastModified>2009-10-12T17:50:30.000Z</LastModified>
    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
    <Size>434234</Size>
    <StorageClass>STANDARD</StorageClass>
    <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID><DisplayName>mtd@amazon.com</DisplayName></Owner>
  </Version>
  <DeleteMarker>
    <Key>my-second-image.jpg</Key>
    <VersionId>03jpff543dhffds434rfdsFDN943fdsFkdmqnh892</VersionId>
    <IsLatest>true</IsLatest>
    <LastModified>2009-11-12T17:50:30.000Z</LastModified>
    <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID><DisplayName>mtd@amazon.com</DisplayName></Owner>
  </DeleteMarker>
  <Version>
    <Key>my-second-image.jpg</Key>
    <VersionId>QUpfdndhfd8438MNFDN93jdnJFkdmqnh893</VersionId>
    <IsLatest>false</IsLatest>
    <LastModified>2009-10-10T17:50:30.000Z</LastModified>
    <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>
    <Size>166434</Size>
    <StorageClass>GLACIER</StorageClass>
    <ChecksumAlgorithm>CRC32</ChecksumAlgorithm>
    <RestoreStatus><IsRestoreInProgress>false</IsRestoreInProgress></RestoreStatus>
  </Version>
  <CommonPrefixes><Prefix>photos/</Prefix></CommonPrefixes>
  <CommonPrefixes><Prefix>a &amp; b/</Prefix></CommonPrefixes>
</ListVersionsResult>`;

describe('parseListVersionsXml', () => {
  it('reads the documented example, keeping versions and delete markers in document order', () => {
    const p = parseListVersionsXml(AWS_EXAMPLE);
    expect(p).toMatchObject({
      isTruncated: true,
      nextKeyMarker: 'my-second-image.jpg',
      nextVersionIdMarker: '03jpff543dhffds434rfdsFDN943fdsFkdmqnh892',
      prefixes: ['photos/', 'a & b/'],
      encodingType: undefined,
      parser: 'ssec',
    });
    expect(p.entries).toEqual([
      {
        key: 'my-image.jpg',
        versionId: '3/L4kqtJl40Nr8X8gdRQBpUMLUo',
        isDeleteMarker: false,
        isLatest: true,
        lastModified: new Date('2009-10-12T17:50:30.000Z'),
        size: 434234,
        etag: '"fba9dede5f27731c9771645a39863328"',
        storageClass: 'STANDARD',
      },
      {
        key: 'my-second-image.jpg',
        versionId: '03jpff543dhffds434rfdsFDN943fdsFkdmqnh892',
        isDeleteMarker: true,
        isLatest: true,
        lastModified: new Date('2009-11-12T17:50:30.000Z'),
        size: 0,
        etag: undefined,
        storageClass: undefined,
      },
      expect.objectContaining({
        versionId: 'QUpfdndhfd8438MNFDN93jdnJFkdmqnh893',
        isLatest: false,
        size: 166434,
        storageClass: 'GLACIER',
      }),
    ]);
  });

  it('reads StorageClass however it is written, and leaves it undefined when a version has none', () => {
    const v = (id: string, inner: string) =>
      `<Version><Key>k</Key><VersionId>${id}</VersionId><IsLatest>false</IsLatest><LastModified>2025-01-13T10:00:00Z</LastModified><Size>1</Size>${inner}</Version>`;
    const p = parseListVersionsXml(
      `<ListVersionsResult>${[
        v('a', '<StorageClass>DEEP_ARCHIVE</StorageClass>'),
        v('b', '<StorageClass>\n  GLACIER_IR \n</StorageClass>'),
        v('c', '<StorageClass>GLAC<!-- split -->IER</StorageClass>'),
        v('d', '<StorageClass>FUTURE_&amp;_CLASS</StorageClass>'),
        v('e', ''),
        v('f', '<StorageClass/>'),
        v('g', '<Owner><StorageClass>GLACIER</StorageClass></Owner><StorageClass>STANDARD_IA</StorageClass>'),
        v('h', '<StorageClass>GLACIERS</StorageClass>'),
      ].join('')}</ListVersionsResult>`,
    );
    expect(p.entries.map((e) => [e.versionId, e.storageClass])).toEqual([
      ['a', 'DEEP_ARCHIVE'],
      ['b', 'GLACIER_IR'],
      ['c', 'GLACIER'],
      ['d', 'FUTURE_&_CLASS'],
      ['e', undefined],
      ['f', undefined],
      ['g', 'STANDARD_IA'],
      ['h', 'GLACIERS'],
    ]);
  });

  it('keeps keys exactly: entities, numeric references, CDATA, spaces at either end', () => {
    const xml = `<ListVersionsResult><IsTruncated>false</IsTruncated>
      <Version><Key> a&lt;b&gt;&amp;&apos;&quot;&#x1F600;&#233;+%20 </Key><VersionId>v1</VersionId><IsLatest>true</IsLatest><LastModified>2025-01-13T10:00:00Z</LastModified><Size>1</Size></Version>
      <Version><Key><![CDATA[raw <&> text]]></Key><VersionId>null</VersionId><IsLatest>true</IsLatest><LastModified>2025-01-13T10:00:00Z</LastModified><Size>2</Size></Version>
      <!-- a comment --></ListVersionsResult>`;
    const p = parseListVersionsXml(xml);
    expect(p.entries.map((e) => e.key)).toEqual([' a<b>&\'"😀é+%20 ', 'raw <&> text']);
    expect(p.isTruncated).toBe(false);
  });

  it('reports EncodingType so url-encoded keys get decoded', () => {
    const p = parseListVersionsXml(
      '<ListVersionsResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated></ListVersionsResult>',
    );
    expect(p.encodingType).toBe('url');
    expect(p.entries).toEqual([]);
  });

  it('refuses documents it does not understand, so the SDK parses them instead', () => {
    expect(() => parseListVersionsXml('<Error><Code>SlowDown</Code></Error>')).toThrow(
      /not a ListVersionsResult/,
    );
    expect(() => parseListVersionsXml('<ListVersionsResult><Version><Key>a</Key>')).toThrow();
    expect(() =>
      parseListVersionsXml(
        '<ListVersionsResult><Version><Key>a</Key><LastModified>yesterday</LastModified></Version></ListVersionsResult>',
      ),
    ).toThrow(/LastModified/);
    expect(() =>
      parseListVersionsXml(
        '<ListVersionsResult><Version><VersionId>v</VersionId></Version></ListVersionsResult>',
      ),
    ).toThrow(/incomplete/);
    expect(() => parseListVersionsXml('<ListVersionsResult><a></b></ListVersionsResult>')).toThrow(
      /unbalanced/,
    );
  });
});

describe('parseListVersionsXml on generated listings', () => {
  const entry = fc.record({
    key: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
    versionId: fc.stringMatching(/^[A-Za-z0-9._]{1,32}$/),
    isDeleteMarker: fc.boolean(),
    isLatest: fc.boolean(),
    lastModified: fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
    size: fc.nat(),
    etag: fc.stringMatching(/^[0-9a-f]{32}$/),
    storageClass: fc.constantFrom(
      'STANDARD',
      'STANDARD_IA',
      'GLACIER',
      'DEEP_ARCHIVE',
      'GLACIER_IR',
      'INTELLIGENT_TIERING',
      'ONEZONE_IA',
    ),
  });
  const pretty = fc.constantFrom('', '\n  ', '\r\n\t');

  it('reads back exactly what an S3-shaped document holds, however it is laid out', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), pretty, fc.boolean(), (entries, ws, millis) => {
        const iso = (d: Date) => (millis ? d.toISOString() : d.toISOString().replace(/\.\d{3}Z$/, 'Z'));
        const body = entries
          .map((e) =>
            e.isDeleteMarker
              ? `${ws}<DeleteMarker>${ws}<Key>${escapeXml(e.key)}</Key><VersionId>${e.versionId}</VersionId>${ws}<IsLatest>${e.isLatest}</IsLatest><LastModified>${iso(e.lastModified)}</LastModified><Owner><ID>x</ID></Owner></DeleteMarker>`
              : `${ws}<Version><Key>${escapeXml(e.key)}</Key>${ws}<VersionId>${e.versionId}</VersionId><IsLatest>${e.isLatest}</IsLatest><LastModified>${iso(e.lastModified)}</LastModified><ETag>&quot;${e.etag}&quot;</ETag><Size>${e.size}</Size><StorageClass>${e.storageClass}</StorageClass>${ws}</Version>`,
          )
          .join('');
        const xml = `<?xml version="1.0" encoding="UTF-8"?>${ws}<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><IsTruncated>false</IsTruncated>${body}${ws}</ListVersionsResult>${ws}`;
        const parsed = parseListVersionsXml(xml);
        expect(parsed.entries).toEqual(
          entries.map((e) => ({
            key: e.key,
            versionId: e.versionId,
            isDeleteMarker: e.isDeleteMarker,
            isLatest: e.isLatest,
            lastModified: millis
              ? e.lastModified
              : new Date(Math.floor(e.lastModified.getTime() / 1000) * 1000),
            size: e.isDeleteMarker ? 0 : e.size,
            etag: e.isDeleteMarker ? undefined : `"${e.etag}"`,
            storageClass: e.isDeleteMarker ? undefined : e.storageClass,
          })),
        );
      }),
      { numRuns: 300 },
    );
  });
});
