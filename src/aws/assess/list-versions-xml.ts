import type { ListedEntry } from './group-versions.ts';

/** One `ListObjectVersions` page as S3 sent it, with versions and delete markers in document order. */
export interface ParsedListing {
  entries: ListedEntry[];
  prefixes: string[];
  isTruncated: boolean;
  nextKeyMarker: string | undefined;
  nextVersionIdMarker: string | undefined;
  encodingType: string | undefined;
  /** Which reader parsed the page: ours, or the SDK's when ours refused it. */
  parser: 'ssec' | 'sdk';
}

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY, (_, e: string) => {
    if (e[0] !== '#') return NAMED[e]!;
    const code = e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

/**
 * A single-pass reader for the `ListVersionsResult` document. The SDK's generic XML parser costs
 * about as much CPU per listed version as the scan's whole HEAD budget allows, and it splits
 * versions and delete markers into two arrays, losing their order; this keeps the order and is
 * several times cheaper. It throws on anything it does not recognise, and the caller then lets
 * the SDK parse the page instead.
 */
export function parseListVersionsXml(xml: string): ParsedListing {
  const out: ParsedListing = {
    entries: [],
    prefixes: [],
    isTruncated: false,
    nextKeyMarker: undefined,
    nextVersionIdMarker: undefined,
    encodingType: undefined,
    parser: 'ssec',
  };
  const stack: string[] = [];
  let entry: Partial<ListedEntry> | undefined;
  let text = '';
  let i = 0;
  const n = xml.length;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    if (lt === -1) {
      if (xml.slice(i).trim() !== '') throw new Error('text after the document');
      break;
    }
    text += xml.slice(i, lt);
    if (xml.startsWith('<?', lt)) {
      i = end(xml, '?>', lt) + 2;
      continue;
    }
    if (xml.startsWith('<!--', lt)) {
      i = end(xml, '-->', lt) + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', lt)) {
      const close = end(xml, ']]>', lt);
      text += xml.slice(lt + 9, close);
      i = close + 3;
      continue;
    }
    if (xml.startsWith('<!', lt)) throw new Error('unexpected declaration');
    const gt = end(xml, '>', lt);
    if (xml[lt + 1] === '/') {
      const name = xml.slice(lt + 2, gt).trim();
      if (stack.pop() !== name) throw new Error(`unbalanced </${name}>`);
      close(name, text);
      text = '';
      i = gt + 1;
      continue;
    }
    const selfClosing = xml[gt - 1] === '/';
    const tag = xml.slice(lt + 1, selfClosing ? gt - 1 : gt);
    const space = tag.search(/\s/);
    const name = space === -1 ? tag : tag.slice(0, space);
    open(name);
    stack.push(name);
    text = '';
    if (selfClosing) {
      stack.pop();
      close(name, '');
    }
    i = gt + 1;
  }
  if (stack.length > 0) throw new Error('truncated document');
  return out;

  function open(name: string): void {
    if (stack.length === 0) {
      if (name !== 'ListVersionsResult') throw new Error(`not a ListVersionsResult: <${name}>`);
    } else if (stack.length === 1 && (name === 'Version' || name === 'DeleteMarker')) {
      entry = { isDeleteMarker: name === 'DeleteMarker', isLatest: false, size: 0, etag: undefined };
    }
  }

  function close(name: string, raw: string): void {
    const depth = stack.length;
    if (depth === 1) {
      if (name === 'Version' || name === 'DeleteMarker') {
        if (!entry || entry.key === undefined || entry.lastModified === undefined) {
          throw new Error(`incomplete <${name}>`);
        }
        out.entries.push({
          key: entry.key,
          versionId: entry.versionId ?? 'null',
          isDeleteMarker: entry.isDeleteMarker ?? false,
          isLatest: entry.isLatest ?? false,
          lastModified: entry.lastModified,
          size: entry.size ?? 0,
          etag: entry.etag,
        });
        entry = undefined;
      } else if (name === 'IsTruncated') out.isTruncated = raw.trim() === 'true';
      else if (name === 'NextKeyMarker') out.nextKeyMarker = decodeEntities(raw);
      else if (name === 'NextVersionIdMarker') out.nextVersionIdMarker = decodeEntities(raw);
      else if (name === 'EncodingType') out.encodingType = decodeEntities(raw).trim();
      return;
    }
    if (depth === 2 && entry) {
      const parent = stack[1];
      if (parent !== 'Version' && parent !== 'DeleteMarker') return;
      if (name === 'Key') entry.key = decodeEntities(raw);
      else if (name === 'VersionId') entry.versionId = decodeEntities(raw);
      else if (name === 'IsLatest') entry.isLatest = raw.trim() === 'true';
      else if (name === 'LastModified') {
        const at = new Date(raw.trim());
        if (Number.isNaN(at.getTime())) throw new Error(`bad LastModified "${raw}"`);
        entry.lastModified = at;
      } else if (name === 'Size') entry.size = Number(raw.trim());
      else if (name === 'ETag') entry.etag = decodeEntities(raw);
      return;
    }
    if (depth === 2 && stack[1] === 'CommonPrefixes' && name === 'Prefix')
      out.prefixes.push(decodeEntities(raw));
  }
}

function end(xml: string, token: string, from: number): number {
  const at = xml.indexOf(token, from);
  if (at === -1) throw new Error(`unterminated markup at ${from}`);
  return at;
}
