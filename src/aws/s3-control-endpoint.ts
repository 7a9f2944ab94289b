import type { S3ControlClient } from '@aws-sdk/client-s3-control';

/**
 * The S3 Control client's endpoint rules put the account in front of the host
 * (`{url#scheme}://{AccountId}.{url#authority}`) for every job operation, even with a custom
 * endpoint — `http://123456789012.127.0.0.1:4566` is not even a valid URL, and a host name such as
 * `localhost` gains a label no resolver knows. `disableHostPrefix` does not help: the prefix comes
 * from the endpoint ruleset (`RequiresAccountId`), not from a host-prefix trait. This wraps the
 * client's own endpoint provider so that, only when an endpoint override is configured (`endpoint`
 * or `AWS_ENDPOINT_URL[_S3_CONTROL]`), the rules run with `RequiresAccountId: false`; they then
 * yield the override unchanged, still signed for `s3`, with the account in the `x-amz-account-id`
 * header. Real AWS endpoints are left untouched.
 */
export function withoutAccountHostPrefix(client: S3ControlClient): void {
  const resolve = client.config.endpointProvider;
  client.config.endpointProvider = (params, context) =>
    resolve(params.Endpoint ? { ...params, RequiresAccountId: false } : params, context);
}
