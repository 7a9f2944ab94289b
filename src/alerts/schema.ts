// Zod building blocks shared by the parsers. Required fields fail with a reason that names the
// field; optional fields fall back to undefined when they are malformed, so one odd field in a
// real AWS payload never costs us the alert; unknown fields are accepted and dropped.

import { z } from 'zod';
import { parseNumber, parseTime } from './values.ts';

function describe(kind: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'is missing' : `must be ${kind}`);
}

export const requiredString = () =>
  z.string({ error: describe('a string') }).refine((s) => s.trim() !== '', 'must not be empty');

export const requiredObject = <T extends z.ZodRawShape>(shape: T) =>
  z.object(shape, { error: describe('an object') });

export const requiredNumber = () =>
  z.unknown().transform((value, ctx) => {
    const n = parseNumber(value);
    if (n === undefined) {
      ctx.addIssue({ code: 'custom', message: value === undefined ? 'is missing' : 'must be a number' });
      return z.NEVER;
    }
    return n;
  });

export const requiredTime = () =>
  z.unknown().transform((value, ctx) => {
    const date = parseTime(value);
    if (date === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: value === undefined ? 'is missing' : 'must be an ISO 8601 timestamp',
      });
      return z.NEVER;
    }
    return date;
  });

/** Any value, including none: read later with pick(), which trusts nothing. */
export const anyValue = () => z.unknown().optional();

export const optionalString = () => z.string().optional().catch(undefined);

export const optionalNumber = () =>
  z
    .unknown()
    .transform((value) => parseNumber(value))
    .optional();

export const optionalTime = () =>
  z
    .unknown()
    .transform((value) => parseTime(value))
    .optional();

export const optionalObject = <T extends z.ZodRawShape>(shape: T) =>
  z.object(shape).optional().catch(undefined);

/** Keeps the elements that match, drops the rest: one bad entry must not hide the others. */
export const lenientArray = <T extends z.ZodType>(item: T) =>
  z
    .array(z.unknown())
    .catch([])
    .transform((items) =>
      items.flatMap((entry) => {
        const parsed = item.safeParse(entry);
        return parsed.success ? [parsed.data as z.output<T>] : [];
      }),
    );

/** "GuardDuty finding: detail.id is missing; detail.type must be a string". */
export function describeIssues(context: string, error: z.ZodError, pathPrefix: string): string {
  const parts = error.issues.slice(0, 3).map((issue) => {
    const path = [pathPrefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    return path === '' ? issue.message : `${path} ${issue.message}`;
  });
  return `${context}: ${parts.join('; ')}`;
}
