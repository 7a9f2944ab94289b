// Reading what a Web API client sent: WebClient uses form encoding (structured values as JSON
// strings), other clients send JSON, and uploads arrive as multipart or raw bytes. Slack accepts
// the token either as a Bearer header or as a `token` argument.

import type { IncomingMessage } from 'node:http';
import type { Args } from './method-support.ts';
import { SlackMethodError } from './method-support.ts';

const MAX_BODY = 64 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > MAX_BODY) throw new SlackMethodError('request_too_large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

const mediaType = (contentType: string | undefined) =>
  (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

async function multipart(raw: Buffer, contentType: string): Promise<FormData> {
  const request = new Request('http://stand-in.invalid/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: raw,
  });
  return request.formData();
}

/** Arguments of a Web API call, merged from the query string and the body. */
export async function parseArgs(
  raw: Buffer,
  contentType: string | undefined,
  query: URLSearchParams,
): Promise<Args> {
  const args: Args = Object.fromEntries(query);
  const type = mediaType(contentType);
  if (raw.length === 0) return args;
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new SlackMethodError('invalid_json');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new SlackMethodError('invalid_json');
    }
    return { ...args, ...(parsed as Args) };
  }
  if (type === 'multipart/form-data' && contentType) {
    const form = await multipart(raw, contentType);
    for (const [k, v] of form) args[k] = typeof v === 'string' ? v : Buffer.from(await v.arrayBuffer());
    return args;
  }
  if (type === 'application/x-www-form-urlencoded' || type === 'text/plain' || type === '') {
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) args[k] = v;
    return args;
  }
  throw new SlackMethodError('invalid_post_type');
}

export function tokenOf(authorization: string | undefined, args: Args): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  if (m?.[1]) return m[1].trim();
  return typeof args.token === 'string' && args.token !== '' ? args.token : undefined;
}

/** The bytes of an upload: the first file part of a multipart body, or the raw body. */
export async function uploadedBytes(raw: Buffer, contentType: string | undefined): Promise<Buffer> {
  if (mediaType(contentType) !== 'multipart/form-data' || !contentType) return raw;
  const form = await multipart(raw, contentType);
  for (const [, v] of form) if (typeof v !== 'string') return Buffer.from(await v.arrayBuffer());
  const first = [...form.values()][0];
  return Buffer.from(typeof first === 'string' ? first : '');
}
