// The parts of a CloudTrail record the alert parsers read; everything else is accepted and dropped.

import { z } from 'zod';
import {
  anyValue,
  lenientArray,
  optionalObject,
  optionalString,
  optionalTime,
  requiredString,
} from './schema.ts';

export const cloudTrailSchema = z.object({
  eventName: requiredString(),
  eventSource: requiredString(),
  eventID: optionalString(),
  eventTime: optionalTime(),
  awsRegion: optionalString(),
  recipientAccountId: optionalString(),
  sourceIPAddress: optionalString(),
  requestID: optionalString(),
  errorCode: optionalString(),
  userIdentity: optionalObject({
    type: optionalString(),
    principalId: optionalString(),
    arn: optionalString(),
    accountId: optionalString(),
    accessKeyId: optionalString(),
    userName: optionalString(),
    sessionContext: optionalObject({
      sessionIssuer: optionalObject({ userName: optionalString(), arn: optionalString() }),
    }),
  }),
  requestParameters: anyValue(),
  additionalEventData: anyValue(),
  resources: lenientArray(z.object({ type: optionalString(), ARN: optionalString() })),
});

export type CloudTrailRecord = z.output<typeof cloudTrailSchema>;
