// STS for the AWS stand-in: who is calling, which account a key belongs to, and role sessions.

import type { IamService } from './iam.ts';
import {
  createQueryHandler,
  isoSeconds,
  optionalParam,
  type QueryAction,
  QueryError,
  requiredParam,
} from './query-protocol.ts';
import type { ServiceHandler } from './types.ts';
import { xmlLeaf } from './xml.ts';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

export function createStsService(iam: IamService): { handler: ServiceHandler } {
  const actions: Record<string, QueryAction> = {
    GetCallerIdentity: ({ caller }) => {
      const identity = iam.identify(caller.accessKeyId);
      if (!identity)
        throw new QueryError(
          403,
          'InvalidClientTokenId',
          'The security token included in the request is invalid.',
        );
      return (
        xmlLeaf('UserId', identity.userId) +
        xmlLeaf('Account', identity.account) +
        xmlLeaf('Arn', identity.arn)
      );
    },
    GetAccessKeyInfo: ({ params }) => {
      const accessKeyId = requiredParam(params, 'AccessKeyId');
      const account = iam.accountForAccessKey(accessKeyId);
      // AWS: "Providing a deleted access key might return an error that the key doesn't exist." It
      // does not document the code; InvalidParameterValue is STS's common 400 for a bad value.
      if (account === undefined) {
        throw new QueryError(
          400,
          'InvalidParameterValue',
          `The access key ID ${accessKeyId} does not exist.`,
        );
      }
      return xmlLeaf('Account', account);
    },
    AssumeRole: ({ params, caller }) => {
      const roleArn = requiredParam(params, 'RoleArn');
      const sessionName = requiredParam(params, 'RoleSessionName');
      const prefix = `arn:aws:iam::${iam.accountId}:role/`;
      const roleName = roleArn.startsWith(prefix)
        ? roleArn.slice(prefix.length).split('/').at(-1)
        : undefined;
      const callerArn = iam.identify(caller.accessKeyId)?.arn ?? caller.accessKeyId;
      const refuse = () =>
        new QueryError(
          403,
          'AccessDenied',
          `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        );
      if (!roleName) throw refuse();
      const duration = optionalParam(params, 'DurationSeconds');
      let session: ReturnType<IamService['createRoleSession']>;
      try {
        session = iam.createRoleSession(roleName, sessionName, {
          durationSeconds: duration === undefined ? undefined : Number(duration),
        });
      } catch (error) {
        if (error instanceof QueryError && error.code === 'NoSuchEntity') throw refuse();
        throw error;
      }
      return (
        `<Credentials>${xmlLeaf('AccessKeyId', session.accessKeyId)}${xmlLeaf('SecretAccessKey', session.secretAccessKey)}` +
        `${xmlLeaf('SessionToken', session.sessionToken)}${xmlLeaf('Expiration', isoSeconds(session.expiration))}</Credentials>` +
        `<AssumedRoleUser>${xmlLeaf('AssumedRoleId', session.assumedRoleId)}${xmlLeaf('Arn', session.arn)}</AssumedRoleUser>`
      );
    },
  };

  const handler = createQueryHandler({
    namespace: STS_NAMESPACE,
    service: 'sts',
    iam: iam.backend,
    actions,
    authorize: (accessKeyId, action) => {
      const auth = iam.authorizeAction(accessKeyId, `sts:${action}`);
      // STS API Reference, GetCallerIdentity: "No permissions are required to perform this operation.
      // If an administrator attaches a policy to your identity that explicitly denies access to the
      // sts:GetCallerIdentity action, you can still perform this operation."
      if (
        !auth.ok &&
        auth.code === 'AccessDenied' &&
        action === 'GetCallerIdentity' &&
        accessKeyId !== undefined
      ) {
        return {
          ok: true,
          accessKeyId,
          userName: iam.describeAccessKey(accessKeyId)?.userName,
          accountId: iam.accountId,
        };
      }
      return auth;
    },
    now: iam.now,
  });
  return { handler };
}
