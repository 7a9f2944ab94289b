// S3's error responses: an XML `<Error>` document with the code, message and request id, extra
// fields naming the resource, and no body at all for HEAD (which is why the JS SDK reports HEAD
// errors by status code only).

import type { SandboxResponse } from './types.ts';
import { escapeXml, XML_DECLARATION } from './xml.ts';

export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra `<Error>` children such as Key, BucketName, VersionId. */
    readonly fields: Record<string, string | undefined> = {},
    /** Headers S3 sends even on the error, e.g. `x-amz-delete-marker`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

export function renderS3Error(error: S3Error, requestId: string, method: string): SandboxResponse {
  const headers = { ...error.headers };
  if (method === 'HEAD') return { status: error.status, headers };
  let fields = '';
  for (const [name, value] of Object.entries(error.fields)) {
    if (value !== undefined) fields += `<${name}>${escapeXml(value)}</${name}>`;
  }
  const body = `${XML_DECLARATION}<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message>${fields}<RequestId>${requestId}</RequestId><HostId>${hostId(requestId)}</HostId></Error>`;
  return { status: error.status, headers: { ...headers, 'content-type': 'application/xml' }, body };
}

export function hostId(requestId: string): string {
  return Buffer.from(`ssec-sandbox/${requestId}`).toString('base64');
}

export const noSuchBucket = (bucket: string) =>
  new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });

export const noSuchKey = (key: string, headers: Record<string, string> = {}) =>
  new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key }, headers);

export const noSuchVersion = (key: string, versionId: string) =>
  new S3Error(404, 'NoSuchVersion', 'The specified version does not exist.', {
    Key: key,
    VersionId: versionId,
  });

export const accessDenied = () => new S3Error(403, 'AccessDenied', 'Access Denied');

export const malformedXml = () =>
  new S3Error(
    400,
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
  );

export const invalidArgument = (message: string, name?: string, value?: string) =>
  new S3Error(400, 'InvalidArgument', message, { ArgumentName: name, ArgumentValue: value });

export const invalidRequest = (message: string) => new S3Error(400, 'InvalidRequest', message);
