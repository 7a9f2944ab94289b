// Wire details of S3's REST-XML protocol shared by the operation handlers: document wrapping,
// dates, user metadata and tagging headers, aws-chunked request bodies and `EncodingType=url`.

import { invalidArgument, S3Error } from './s3-errors.ts';
import type { SandboxResponse } from './types.ts';
import { XML_DECLARATION } from './xml.ts';

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function xmlResponse(
  root: string,
  inner: string,
  headers: Record<string, string> = {},
): SandboxResponse {
  return {
    status: 200,
    headers: { ...headers, 'content-type': 'application/xml' },
    body: `${XML_DECLARATION}<${root} xmlns="${S3_NAMESPACE}">${inner}</${root}>`,
  };
}

export function isoDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

export function httpDate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

/** `x-amz-meta-*` request headers as S3 stores them (names lower-cased, prefix removed). */
export function metadataFromHeaders(headers: Record<string, string>): Record<string, string> | undefined {
  let metadata: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-')) {
      metadata ??= {};
      metadata[name.slice(11)] = value;
    }
  }
  return metadata;
}

export function metadataHeaders(
  metadata: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (metadata) for (const [name, value] of Object.entries(metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

/** The `x-amz-tagging` header: a URL-encoded query string of tags. */
export function tagsFromHeader(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined || value === '') return undefined;
  const tags: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(value)) tags[k] = v;
  if (Object.keys(tags).length > 10)
    throw new S3Error(400, 'BadRequest', 'Object tags cannot be greater than 10');
  return tags;
}

/**
 * Decodes `Content-Encoding: aws-chunked` bodies (the SDK streams with them when it adds trailing
 * checksums): `hex-size[;chunk-signature=…]\r\n<bytes>\r\n` … `0\r\n<trailers>\r\n\r\n`.
 */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', pos);
    if (lineEnd === -1) throw invalidArgument('Malformed aws-chunked body');
    const header = body.subarray(pos, lineEnd).toString('latin1');
    const size = Number.parseInt(header.split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) throw invalidArgument('Malformed aws-chunked body');
    if (size === 0) break;
    const start = lineEnd + 2;
    parts.push(body.subarray(start, start + size));
    pos = start + size + 2;
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

export function requestBody(headers: Record<string, string>, body: Buffer): Buffer {
  const encoding = headers['content-encoding'];
  const streaming = headers['x-amz-content-sha256']?.startsWith('STREAMING-');
  if (streaming || encoding?.split(',').some((e) => e.trim() === 'aws-chunked'))
    return decodeAwsChunked(body);
  return body;
}

/** S3's `EncodingType=url`: form encoding (space as `+`) that leaves `/` readable. */
export function urlEncodeKey(value: string): string {
  return encodeURIComponent(value).replace(/%2F/g, '/').replace(/%20/g, '+');
}

export function parseMaxKeys(raw: string | null): number {
  if (raw === null) return 1000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', raw);
  }
  return Math.min(value, 1000);
}
