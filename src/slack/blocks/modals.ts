// Modals: declaring an incident when `/ssec declare` lacks arguments, and giving the reason that
// closing or cancelling an unverified incident requires.

import { LIMITS } from '../limits.ts';
import { type Block, plain, section } from './kit.ts';

export const DECLARE_CALLBACK = 'ssec_declare';
export const CLOSE_CALLBACK = 'ssec_close';

export const DECLARE_FIELDS = {
  buckets: { block: 'declare_buckets', action: 'buckets' },
  keys: { block: 'declare_keys', action: 'keys' },
  since: { block: 'declare_since', action: 'since' },
} as const;

export const CLOSE_FIELDS = { reason: { block: 'close_reason', action: 'reason' } } as const;

export interface View {
  type: 'modal';
  callback_id: string;
  title: ReturnType<typeof plain>;
  submit: ReturnType<typeof plain>;
  close: ReturnType<typeof plain>;
  private_metadata: string;
  blocks: Block[];
}

function textInput(
  ids: { block: string; action: string },
  label: string,
  opts: { optional?: boolean; multiline?: boolean; initial?: string; placeholder?: string; hint?: string },
): Block {
  return {
    type: 'input',
    block_id: ids.block,
    optional: opts.optional ?? false,
    label: plain(label, LIMITS.inputLabel),
    ...(opts.hint ? { hint: plain(opts.hint, LIMITS.inputLabel) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: ids.action,
      multiline: opts.multiline ?? false,
      ...(opts.initial ? { initial_value: opts.initial.slice(0, 3000) } : {}),
      ...(opts.placeholder ? { placeholder: plain(opts.placeholder, 150) } : {}),
    },
  };
}

export interface DeclarePrefill {
  buckets?: string[];
  keys?: string[];
  since?: Date | null;
}

export function declareModal(prefill: DeclarePrefill, metadata: { channelId: string }): View {
  const since = prefill.since ?? null;
  return {
    type: 'modal',
    callback_id: DECLARE_CALLBACK,
    title: plain('Declare an incident', LIMITS.viewTitle),
    submit: plain('Declare', LIMITS.viewTitle),
    close: plain('Cancel', LIMITS.viewTitle),
    private_metadata: JSON.stringify(metadata),
    blocks: [
      section(
        'Open an SSE-C ransomware incident by hand. The bot starts a read-only assessment at once; anything that changes AWS waits for an approval.',
      ),
      textInput(DECLARE_FIELDS.buckets, 'Buckets', {
        multiline: true,
        initial: prefill.buckets?.join('\n'),
        placeholder: 'one bucket name per line',
      }),
      textInput(DECLARE_FIELDS.keys, 'Access key ids used by the attacker', {
        optional: true,
        initial: prefill.keys?.join('\n'),
        placeholder: 'AKIA… or ASIA…, one per line',
        hint: 'From the GuardDuty finding or the CloudTrail events; leave empty if not known yet.',
      }),
      {
        type: 'input',
        block_id: DECLARE_FIELDS.since.block,
        optional: true,
        label: plain('Attack started around', LIMITS.inputLabel),
        hint: plain(
          'Objects written since then are checked. Empty: the configured look-back before now.',
          LIMITS.inputLabel,
        ),
        element: {
          type: 'datetimepicker',
          action_id: DECLARE_FIELDS.since.action,
          ...(since ? { initial_date_time: Math.floor(since.getTime() / 1000) } : {}),
        },
      },
    ],
  };
}

export function closeModal(input: { incidentId: number; ref: string; kind: 'close' | 'cancel' }): View {
  const verb = input.kind === 'close' ? 'Close' : 'Cancel';
  return {
    type: 'modal',
    callback_id: CLOSE_CALLBACK,
    title: plain(`${verb} ${input.ref}`, LIMITS.viewTitle),
    submit: plain(verb === 'Close' ? 'Close incident' : 'Cancel incident', LIMITS.viewTitle),
    close: plain('Back', LIMITS.viewTitle),
    private_metadata: JSON.stringify({ incidentId: input.incidentId, kind: input.kind }),
    blocks: [
      section(
        input.kind === 'close'
          ? 'Recovery has not been verified, so closing needs a reason for the record (for example: restored by other means).'
          : 'Cancelling ends the workflow without recovery. The reason goes into the audit log and the report.',
      ),
      textInput(CLOSE_FIELDS.reason, 'Reason', { multiline: true }),
    ],
  };
}
