// What a button carries. Slack echoes the `value` back on click, so everything the handler needs
// (incident, approval, step) travels in it as JSON and is validated on the way back: a button is
// input from the network like any other.

import { z } from 'zod';
import type { ApprovalStep, RecoveryStrategy, Step } from '../../workflows/types.ts';
import { APPROVAL_STEPS, RECOVERY_STRATEGIES, STEPS } from '../../workflows/types.ts';

export const ACTION_PREFIX = 'ssec.';
/** Every interactive element the bot renders has an action id matching this. */
export const ACTION_ID_PATTERN = /^ssec\./;

export type ButtonAction =
  | { kind: 'request'; incidentId: number; step: 'contain' | 'rollback' }
  | { kind: 'request'; incidentId: number; step: 'recover'; strategy: RecoveryStrategy }
  | { kind: 'approve' | 'reject'; incidentId: number; approvalId: string; step: ApprovalStep }
  | { kind: 'dry-run'; incidentId: number; step: Step }
  | { kind: 'retry'; incidentId: number; step: Step }
  | { kind: 'assess'; incidentId: number }
  | { kind: 'close' | 'cancel'; incidentId: number };

const incidentId = z.number().int().positive();
const valueSchema = z.union([
  z.object({ k: z.literal('request'), i: incidentId, s: z.enum(['contain', 'rollback']) }),
  z.object({
    k: z.literal('request'),
    i: incidentId,
    s: z.literal('recover'),
    g: z.enum(RECOVERY_STRATEGIES),
  }),
  z.object({
    k: z.enum(['approve', 'reject']),
    i: incidentId,
    a: z.string().regex(/^[a-z]+-\d+$/),
    s: z.enum(APPROVAL_STEPS),
  }),
  z.object({ k: z.enum(['dry-run', 'retry']), i: incidentId, s: z.enum(STEPS) }),
  z.object({ k: z.enum(['assess', 'close', 'cancel']), i: incidentId }),
]);

export function encodeAction(a: ButtonAction): string {
  switch (a.kind) {
    case 'request':
      return JSON.stringify(
        a.step === 'recover'
          ? { k: a.kind, i: a.incidentId, s: a.step, g: a.strategy }
          : { k: a.kind, i: a.incidentId, s: a.step },
      );
    case 'approve':
    case 'reject':
      return JSON.stringify({ k: a.kind, i: a.incidentId, a: a.approvalId, s: a.step });
    case 'dry-run':
    case 'retry':
      return JSON.stringify({ k: a.kind, i: a.incidentId, s: a.step });
    default:
      return JSON.stringify({ k: a.kind, i: a.incidentId });
  }
}

/** The decoded action, or undefined for a value this bot did not write (tampered, or from an older version). */
export function decodeAction(value: unknown): ButtonAction | undefined {
  if (typeof value !== 'string' || value.length > 2000) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = valueSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const v = parsed.data;
  switch (v.k) {
    case 'request':
      return 'g' in v
        ? { kind: 'request', incidentId: v.i, step: 'recover', strategy: v.g }
        : { kind: 'request', incidentId: v.i, step: v.s };
    case 'approve':
    case 'reject':
      return { kind: v.k, incidentId: v.i, approvalId: v.a, step: v.s };
    case 'dry-run':
    case 'retry':
      return { kind: v.k, incidentId: v.i, step: v.s };
    default:
      return { kind: v.k, incidentId: v.i };
  }
}

/** Unique within a message (Slack and the stand-in refuse duplicates), readable in logs. */
export function actionIdFor(a: ButtonAction): string {
  switch (a.kind) {
    case 'request':
      return `${ACTION_PREFIX}request.${a.step}${a.step === 'recover' ? `.${a.strategy}` : ''}`;
    case 'approve':
    case 'reject':
      return `${ACTION_PREFIX}${a.kind}.${a.approvalId}`;
    case 'dry-run':
    case 'retry':
      return `${ACTION_PREFIX}${a.kind}.${a.step}`;
    default:
      return `${ACTION_PREFIX}${a.kind}`;
  }
}
