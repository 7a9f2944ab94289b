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

// Element codes: only what a scan reads; every other element is skipped unread.
enum El {
  Other = 0,
  Root,
  Version,
  DeleteMarker,
  CommonPrefixes,
  Prefix,
  Key,
  VersionId,
  IsLatest,
  LastModified,
  ETag,
  Size,
  StorageClass,
  IsTruncated,
  NextKeyMarker,
  NextVersionIdMarker,
  EncodingType,
}

const NAMES: Array<[string, El]> = [
  ['ListVersionsResult', El.Root],
  ['Version', El.Version],
  ['DeleteMarker', El.DeleteMarker],
  ['CommonPrefixes', El.CommonPrefixes],
  ['Prefix', El.Prefix],
  ['Key', El.Key],
  ['VersionId', El.VersionId],
  ['IsLatest', El.IsLatest],
  ['LastModified', El.LastModified],
  // Before EncodingType, which has the same length but appears once a page, not once a version.
  ['StorageClass', El.StorageClass],
  ['ETag', El.ETag],
  ['Size', El.Size],
  ['IsTruncated', El.IsTruncated],
  ['NextKeyMarker', El.NextKeyMarker],
  ['NextVersionIdMarker', El.NextVersionIdMarker],
  ['EncodingType', El.EncodingType],
];
const BY_LENGTH = new Map<number, Array<[Buffer, El]>>();
for (const [name, code] of NAMES) {
  const bytes = Buffer.from(name, 'latin1');
  BY_LENGTH.set(bytes.length, [...(BY_LENGTH.get(bytes.length) ?? []), [bytes, code]]);
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const PI_END = Buffer.from('?>');
const COMMENT_END = Buffer.from('-->');
const CDATA = Buffer.from('<![CDATA[');
const CDATA_END = Buffer.from(']]>');
const TRUE = Buffer.from('true');

// The storage classes S3 lists, each read back as one shared string instead of a new one per version.
const STORAGE_CLASSES = new Map<number, Array<[Buffer, string]>>();
for (const name of [
  'STANDARD',
  'STANDARD_IA',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
  'INTELLIGENT_TIERING',
  'ONEZONE_IA',
  'REDUCED_REDUNDANCY',
  'EXPRESS_ONEZONE',
  'OUTPOSTS',
  'SNOW',
]) {
  const bytes = Buffer.from(name, 'latin1');
  STORAGE_CLASSES.set(bytes.length, [...(STORAGE_CLASSES.get(bytes.length) ?? []), [bytes, name]]);
}

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(ENTITY, (_, e: string) => {
    if (e[0] !== '#') return NAMED[e]!;
    const code = e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

const isSpace = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * A single-pass reader for the `ListVersionsResult` document, straight from the response bytes.
 * The SDK's generic XML parser costs about as much CPU per listed version as the scan's whole HEAD
 * budget allows, allocates a string per element, and splits versions and delete markers into two
 * arrays, losing their order. This reader keeps the order, decodes only the values a scan uses,
 * and gives each its own string (a `slice` of a page-sized string would keep the whole page alive
 * for as long as its key is held). It throws on anything it does not recognise, and the caller
 * then lets the SDK parse the page instead.
 */
export function parseListVersionsXml(input: Buffer | string): ParsedListing {
  const xml = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const out: ParsedListing = {
    entries: [],
    prefixes: [],
    isTruncated: false,
    nextKeyMarker: undefined,
    nextVersionIdMarker: undefined,
    encodingType: undefined,
    parser: 'ssec',
  };
  // Open elements: their code, and where their name sits (to check the closing tag matches).
  const codes: El[] = [];
  const nameAt: number[] = [];
  const nameLen: number[] = [];
  let entry: Partial<ListedEntry> | undefined;
  // Text of the innermost element: the bytes from `textFrom`, after `textBefore` when comments
  // or CDATA sections interrupted it.
  let textFrom = 0;
  let textBefore: string | undefined;
  const n = xml.length;
  let i = 0;

  const textTo = (to: number): string => {
    const tail = xml.toString('utf8', textFrom, to);
    const raw = textBefore === undefined ? tail : textBefore + tail;
    return raw.includes('&') ? decodeEntities(raw) : raw;
  };

  while (i < n) {
    const lt = xml.indexOf(LT, i);
    if (lt === -1) {
      for (let j = i; j < n; j++) if (!isSpace(xml[j])) throw new Error('text after the document');
      break;
    }
    const next = xml[lt + 1];
    if (next === QUESTION) {
      i = end(xml, PI_END, lt) + 2;
      continue;
    }
    if (next === BANG) {
      // Comments and CDATA may sit inside a value: keep what came before them.
      const before = xml.toString('utf8', textFrom, lt);
      if (xml[lt + 2] === 0x2d && xml[lt + 3] === 0x2d) {
        i = end(xml, COMMENT_END, lt) + 3;
        textBefore = (textBefore ?? '') + before;
      } else if (xml.compare(CDATA, 0, CDATA.length, lt, Math.min(n, lt + CDATA.length)) === 0) {
        const close = end(xml, CDATA_END, lt);
        // CDATA is literal: entities in it are not entities, so escape its `&` for textTo.
        textBefore = (textBefore ?? '') + before + xml.toString('utf8', lt + 9, close).replace(/&/g, '&amp;');
        i = close + 3;
      } else throw new Error('unexpected declaration');
      textFrom = i;
      continue;
    }
    const gt = xml.indexOf(GT, lt);
    if (gt === -1) throw new Error(`unterminated tag at ${lt}`);
    if (next === SLASH) {
      let to = gt;
      while (to > lt + 2 && isSpace(xml[to - 1])) to--;
      const depth = codes.length - 1;
      if (depth < 0) throw new Error('closing tag without an element');
      const at = nameAt[depth]!;
      const len = nameLen[depth]!;
      if (to - (lt + 2) !== len || !sameBytes(xml, at, lt + 2, len)) {
        throw new Error(`unbalanced </${xml.toString('latin1', lt + 2, to)}>`);
      }
      const code = codes.pop()!;
      nameAt.pop();
      nameLen.pop();
      close(code, depth, lt);
      i = gt + 1;
      textFrom = i;
      textBefore = undefined;
      continue;
    }
    const selfClosing = xml[gt - 1] === SLASH;
    let nameEnd = lt + 1;
    const tagEnd = selfClosing ? gt - 1 : gt;
    while (nameEnd < tagEnd && !isSpace(xml[nameEnd])) nameEnd++;
    const code = element(xml, lt + 1, nameEnd);
    open(code);
    i = gt + 1;
    textFrom = i;
    textBefore = undefined;
    if (selfClosing) close(code, codes.length, i);
    else {
      codes.push(code);
      nameAt.push(lt + 1);
      nameLen.push(nameEnd - (lt + 1));
    }
  }
  if (codes.length > 0) throw new Error('truncated document');
  return out;

  function open(code: El): void {
    const depth = codes.length;
    if (depth === 0) {
      if (code !== El.Root) throw new Error('not a ListVersionsResult');
    } else if (depth === 1 && (code === El.Version || code === El.DeleteMarker)) {
      entry = {
        isDeleteMarker: code === El.DeleteMarker,
        isLatest: false,
        size: 0,
        etag: undefined,
        storageClass: undefined,
      };
    }
  }

  /** `depth` is the closed element's depth (0 for the root); `to` is where its text ends. */
  function close(code: El, depth: number, to: number): void {
    if (depth === 1) {
      switch (code) {
        case El.Version:
        case El.DeleteMarker:
          if (!entry || entry.key === undefined || entry.lastModified === undefined) {
            throw new Error('incomplete version entry');
          }
          out.entries.push({
            key: entry.key,
            versionId: entry.versionId ?? 'null',
            isDeleteMarker: entry.isDeleteMarker ?? false,
            isLatest: entry.isLatest ?? false,
            lastModified: entry.lastModified,
            size: entry.size ?? 0,
            etag: entry.etag,
            storageClass: entry.storageClass,
          });
          entry = undefined;
          return;
        case El.IsTruncated:
          out.isTruncated = isTrue(xml, textFrom, to, textBefore);
          return;
        case El.NextKeyMarker:
          out.nextKeyMarker = textTo(to);
          return;
        case El.NextVersionIdMarker:
          out.nextVersionIdMarker = textTo(to);
          return;
        case El.EncodingType:
          out.encodingType = textTo(to).trim();
          return;
        default:
          return;
      }
    }
    if (depth !== 2) return;
    const parent = codes[1];
    if (parent === El.CommonPrefixes) {
      if (code === El.Prefix) out.prefixes.push(textTo(to));
      return;
    }
    if (!entry || (parent !== El.Version && parent !== El.DeleteMarker)) return;
    switch (code) {
      case El.Key:
        entry.key = textTo(to);
        return;
      case El.VersionId:
        entry.versionId = textTo(to);
        return;
      case El.IsLatest:
        entry.isLatest = isTrue(xml, textFrom, to, textBefore);
        return;
      case El.LastModified:
        entry.lastModified = textBefore === undefined ? isoDate(xml, textFrom, to) : parseDate(textTo(to));
        return;
      case El.Size:
        entry.size = textBefore === undefined ? digits(xml, textFrom, to) : Number(textTo(to).trim());
        return;
      case El.ETag:
        entry.etag = textTo(to);
        return;
      case El.StorageClass:
        entry.storageClass =
          (textBefore === undefined ? knownStorageClass(xml, textFrom, to) : undefined) ??
          (textTo(to).trim() || undefined);
        return;
      default:
        return;
    }
  }
}

// Names are short: a byte loop beats a native Buffer.compare call, which a page makes tens of
// thousands of.
function sameBytes(xml: Buffer, a: number, b: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (xml[a + k] !== xml[b + k]) return false;
  return true;
}

function element(xml: Buffer, from: number, to: number): El {
  const candidates = BY_LENGTH.get(to - from);
  if (!candidates) return El.Other;
  for (const [name, code] of candidates) {
    let k = 0;
    while (k < name.length && name[k] === xml[from + k]) k++;
    if (k === name.length) return code;
  }
  return El.Other;
}

/** One of the shared storage-class strings when the bytes spell one, else undefined. */
function knownStorageClass(xml: Buffer, from: number, to: number): string | undefined {
  const [a, b] = trimmed(xml, from, to);
  const candidates = STORAGE_CLASSES.get(b - a);
  if (!candidates) return undefined;
  for (const [name, value] of candidates) if (sameAs(name, xml, a)) return value;
  return undefined;
}

function sameAs(name: Buffer, xml: Buffer, at: number): boolean {
  for (let k = 0; k < name.length; k++) if (name[k] !== xml[at + k]) return false;
  return true;
}

function end(xml: Buffer, token: Buffer, from: number): number {
  const at = xml.indexOf(token, from);
  if (at === -1) throw new Error(`unterminated markup at ${from}`);
  return at;
}

function trimmed(xml: Buffer, from: number, to: number): [number, number] {
  while (from < to && isSpace(xml[from])) from++;
  while (to > from && isSpace(xml[to - 1])) to--;
  return [from, to];
}

function isTrue(xml: Buffer, from: number, to: number, before: string | undefined): boolean {
  if (before !== undefined) return (before + xml.toString('utf8', from, to)).trim() === 'true';
  const [a, b] = trimmed(xml, from, to);
  return b - a === 4 && xml.compare(TRUE, 0, 4, a, b) === 0;
}

function digits(xml: Buffer, from: number, to: number): number {
  const [a, b] = trimmed(xml, from, to);
  if (a === b) throw new Error('empty Size');
  let v = 0;
  for (let j = a; j < b; j++) {
    const d = xml[j]! - 0x30;
    if (d < 0 || d > 9) throw new Error('bad Size');
    v = v * 10 + d;
  }
  return v;
}

function parseDate(s: string): Date {
  const at = new Date(s.trim());
  if (Number.isNaN(at.getTime())) throw new Error(`bad LastModified "${s}"`);
  return at;
}

/** `YYYY-MM-DDTHH:MM:SS[.fff]Z`, as S3 writes it, without building a string; anything else via Date. */
function isoDate(xml: Buffer, from: number, to: number): Date {
  const [a, b] = trimmed(xml, from, to);
  const num = (at: number, len: number): number => {
    let v = 0;
    for (let j = at; j < at + len; j++) {
      const d = xml[j]! - 0x30;
      if (d < 0 || d > 9) return Number.NaN;
      v = v * 10 + d;
    }
    return v;
  };
  const shaped =
    b - a >= 20 &&
    xml[a + 4] === 0x2d &&
    xml[a + 7] === 0x2d &&
    xml[a + 10] === 0x54 &&
    xml[a + 13] === 0x3a &&
    xml[a + 16] === 0x3a &&
    xml[b - 1] === 0x5a;
  if (shaped) {
    let ms = 0;
    let ok = b - a === 20;
    if (!ok && xml[a + 19] === 0x2e && b - a > 21) {
      const frac = num(a + 20, Math.min(3, b - a - 21));
      const places = Math.min(3, b - a - 21);
      ms = frac * 10 ** (3 - places);
      ok = !Number.isNaN(frac) && b - a - 21 <= 9;
    }
    const t = Date.UTC(
      num(a, 4),
      num(a + 5, 2) - 1,
      num(a + 8, 2),
      num(a + 11, 2),
      num(a + 14, 2),
      num(a + 17, 2),
      ms,
    );
    if (ok && !Number.isNaN(t)) return new Date(t);
  }
  return parseDate(xml.toString('latin1', a, b));
}
