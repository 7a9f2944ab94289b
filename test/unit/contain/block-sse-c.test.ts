import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  denySseCStatement,
  mergeDenyStatement,
  removeDenyStatement,
  SSEC_DENY_SID,
  withoutSseCBlock,
  withSseCBlocked,
} from '../../../src/aws/contain/block-sse-c.ts';

describe('withSseCBlocked', () => {
  it('re-sends an SSE-KMS rule with its key and BucketKeyEnabled, adding the block', () => {
    const rules = [
      {
        ApplyServerSideEncryptionByDefault: {
          SSEAlgorithm: 'aws:kms' as const,
          KMSMasterKeyID: 'arn:aws:kms:us-east-1:1:key/k',
        },
        BucketKeyEnabled: true,
      },
    ];
    expect(withSseCBlocked(rules)).toEqual([
      { ...rules[0], BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } },
    ]);
    expect(rules[0]).not.toHaveProperty('BlockedEncryptionTypes');
  });

  it('uses S3’s own default (SSE-S3) when the bucket has no configuration', () => {
    expect(withSseCBlocked(null)).toEqual([
      {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
        BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
      },
    ]);
  });

  it('is idempotent, and undone exactly by withoutSseCBlock', () => {
    const once = withSseCBlocked(null);
    expect(withSseCBlocked(once)).toEqual(once);
    expect(withoutSseCBlock(once)).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
  });
});

const statement = fc.record({
  Sid: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== SSEC_DENY_SID),
  Effect: fc.constantFrom('Allow', 'Deny'),
  Principal: fc.constantFrom('*', { AWS: 'arn:aws:iam::123456789012:root' }),
  Action: fc.constantFrom('s3:GetObject', 's3:*', ['s3:PutObject', 's3:DeleteObject']),
  Resource: fc.constant('arn:aws:s3:::b/*'),
});

describe('the bucket policy statement', () => {
  it('is added next to every existing statement, which stay as they were, in order', () => {
    fc.assert(
      fc.property(
        fc.array(statement, { maxLength: 6 }),
        fc.option(fc.string({ maxLength: 8 })),
        (statements, id) => {
          const policy = JSON.stringify({
            Version: '2012-10-17',
            ...(id ? { Id: id } : {}),
            Statement: statements,
          });
          const { document, changed } = mergeDenyStatement(policy, 'b');
          expect(changed).toBe(true);
          expect(document.Statement.slice(0, statements.length)).toEqual(statements);
          expect(document.Statement.at(-1)).toEqual(denySseCStatement('b'));
          if (id) expect(document.Id).toBe(id);
          // Merging again changes nothing; removing it gives the original statements back.
          expect(mergeDenyStatement(JSON.stringify(document), 'b').changed).toBe(false);
          const removed = removeDenyStatement(JSON.stringify(document));
          expect(removed?.Statement ?? []).toEqual(statements);
        },
      ),
    );
  });

  it('accepts a single statement object and an outdated statement of ours', () => {
    const single = JSON.stringify({
      Version: '2012-10-17',
      Statement: { Sid: 'One', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'x' },
    });
    expect(mergeDenyStatement(single, 'b').document.Statement.map((s) => s['Sid'])).toEqual([
      'One',
      SSEC_DENY_SID,
    ]);
    const outdated = JSON.stringify({
      Statement: [{ ...denySseCStatement('b'), Resource: 'arn:aws:s3:::old/*' }],
    });
    const merged = mergeDenyStatement(outdated, 'b');
    expect(merged.changed).toBe(true);
    expect(merged.document.Statement).toEqual([denySseCStatement('b')]);
  });

  it('is the documented deny: s3:PutObject on the bucket’s objects when the SSE-C header is present', () => {
    expect(denySseCStatement('victim')).toEqual({
      Sid: SSEC_DENY_SID,
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::victim/*',
      Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
    });
    expect(removeDenyStatement(JSON.stringify({ Statement: [denySseCStatement('victim')] }))).toBeNull();
  });
});
