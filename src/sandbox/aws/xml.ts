// A small XML reader and writer for the stand-in's REST-XML and query protocols. Request bodies are
// tiny configuration documents (versioning, lifecycle, DeleteObjects, CompleteMultipartUpload), so a
// hand-written parser keeps the sandbox free of extra dependencies; responses are built as strings
// because listing 1,000 versions a page must stay cheap.

export interface XmlElement {
  /** Local name: namespace prefixes are dropped, as AWS ignores them. */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated direct text content, entities decoded. */
  text: string;
}

export class XmlParseError extends Error {
  override name = 'XmlParseError';
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    const named = NAMED_ENTITIES[ref];
    if (named === undefined) throw new XmlParseError(`unknown entity ${whole}`);
    return named;
  });
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon === -1 ? qualified : qualified.slice(colon + 1);
}

const ATTRIBUTE = /([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

function parseAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of source.matchAll(ATTRIBUTE)) {
    const name = match[1];
    if (name !== undefined) attributes[name] = decodeEntities(match[3] ?? match[4] ?? '');
  }
  return attributes;
}

/** Parses one XML document and returns its root element; throws XmlParseError when malformed. */
export function parseXml(source: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let pos = 0;
  while (pos < source.length) {
    const lt = source.indexOf('<', pos);
    const textEnd = lt === -1 ? source.length : lt;
    if (textEnd > pos) {
      const text = source.slice(pos, textEnd);
      const parent = stack.at(-1);
      if (parent) parent.text += decodeEntities(text);
      else if (text.trim() !== '') throw new XmlParseError('text outside the root element');
    }
    if (lt === -1) break;
    if (source.startsWith('<?', lt)) {
      pos = expectEnd(source, '?>', lt);
    } else if (source.startsWith('<!--', lt)) {
      pos = expectEnd(source, '-->', lt);
    } else if (source.startsWith('<![CDATA[', lt)) {
      const end = source.indexOf(']]>', lt);
      if (end === -1) throw new XmlParseError('unterminated CDATA');
      const parent = stack.at(-1);
      if (!parent) throw new XmlParseError('CDATA outside the root element');
      parent.text += source.slice(lt + 9, end);
      pos = end + 3;
    } else if (source.startsWith('<!', lt)) {
      pos = expectEnd(source, '>', lt);
    } else if (source.startsWith('</', lt)) {
      const end = expectEnd(source, '>', lt);
      const name = localName(source.slice(lt + 2, end - 1).trim());
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlParseError(`unexpected closing tag </${name}>`);
      pos = end;
    } else {
      const end = expectEnd(source, '>', lt);
      const selfClosing = source[end - 2] === '/';
      const inner = source.slice(lt + 1, selfClosing ? end - 2 : end - 1);
      const nameMatch = /^[^\s/>]+/.exec(inner);
      if (!nameMatch) throw new XmlParseError('element without a name');
      const element: XmlElement = {
        name: localName(nameMatch[0]),
        attributes: parseAttributes(inner.slice(nameMatch[0].length)),
        children: [],
        text: '',
      };
      const parent = stack.at(-1);
      if (parent) parent.children.push(element);
      else if (root) throw new XmlParseError('more than one root element');
      else root = element;
      if (!selfClosing) stack.push(element);
      pos = end;
    }
  }
  if (stack.length > 0) throw new XmlParseError(`unclosed element <${stack.at(-1)?.name}>`);
  if (!root) throw new XmlParseError('empty document');
  return root;
}

function expectEnd(source: string, terminator: string, from: number): number {
  const end = source.indexOf(terminator, from);
  if (end === -1) throw new XmlParseError(`expected ${terminator}`);
  return end + terminator.length;
}

export function childElement(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

export function childElements(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

export function childText(element: XmlElement, name: string): string | undefined {
  return childElement(element, name)?.text;
}

/**
 * Escapes text for element content and attribute values. Control characters are written as
 * character references, as S3 does, so keys holding `\r` survive the SDK's XML parser.
 */
export function escapeXml(value: string): string {
  let out = '';
  let copied = 0;
  for (let i = 0; i < value.length; i++) {
    const replacement = escapeChar(value.charCodeAt(i));
    if (replacement === undefined) continue;
    out += value.slice(copied, i) + replacement;
    copied = i + 1;
  }
  // Most keys, ids and dates need no escaping: return the original string without copying.
  return copied === 0 ? value : out + value.slice(copied);
}

function escapeChar(code: number): string | undefined {
  if (code < 0x20) return `&#${code};`;
  switch (code) {
    case 0x26:
      return '&amp;';
    case 0x3c:
      return '&lt;';
    case 0x3e:
      return '&gt;';
    case 0x22:
      return '&quot;';
    case 0x27:
      return '&apos;';
    default:
      return undefined;
  }
}

/** `<name>value</name>` with the value escaped; omitted entirely when the value is undefined. */
export function xmlLeaf(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
