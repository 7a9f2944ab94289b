// Buttons for what can be done next (the workflow's `nextSteps()`), shared by the control panel and
// the guided replies. Approving anything that changes AWS asks for confirmation first.

import type { ApprovalStep, NextStep } from '../../../workflows/types.ts';
import { actionIdFor, type ButtonAction, encodeAction } from '../action-values.ts';
import { type Block, button, type Confirm } from './kit.ts';
import { STEP_NAMES, STEP_TITLES, STRATEGY_NAMES } from './labels.ts';

const APPROVE_CONFIRM: Record<ApprovalStep, Confirm> = {
  contain: {
    title: 'Approve containment?',
    text: 'This changes IAM and the bucket settings now: the key is deactivated and SSE-C writes are blocked. It can be rolled back.',
    confirm: 'Approve and run',
  },
  rollback: {
    title: 'Approve rollback?',
    text: 'This *re-enables the stolen key* and removes the SSE-C block. Only do this once the key is known to be safe.',
    confirm: 'Approve rollback',
    danger: true,
  },
  recover: {
    title: 'Approve recovery?',
    text: 'This writes the clean versions back as new current versions in the bucket(s). The attacker’s versions are kept as evidence.',
    confirm: 'Approve and restore',
  },
};

export function actionButton(
  action: ButtonAction,
  text: string,
  extra: Omit<Parameters<typeof button>[0], 'text' | 'actionId' | 'value'> = {},
): Block {
  return button({ text, actionId: actionIdFor(action), value: encodeAction(action), ...extra });
}

export function approveButton(
  incidentId: number,
  approvalId: string,
  step: ApprovalStep,
  label = 'Approve',
): Block {
  return actionButton({ kind: 'approve', incidentId, approvalId, step }, label, {
    style: 'primary',
    confirm: APPROVE_CONFIRM[step],
  });
}

export function rejectButton(
  incidentId: number,
  approvalId: string,
  step: ApprovalStep,
  label = 'Reject',
): Block {
  return actionButton({ kind: 'reject', incidentId, approvalId, step }, label, { style: 'danger' });
}

/** The buttons for a list of next steps, most urgent first; `only` narrows to some kinds. */
export function nextStepButtons(
  incidentId: number,
  steps: NextStep[],
  opts: { only?: NextStep['action'][] } = {},
): Block[] {
  const wanted = (s: NextStep) => !opts.only || opts.only.includes(s.action);
  const out: Block[] = [];
  for (const s of steps.filter(wanted)) {
    switch (s.action) {
      case 'decide':
        out.push(
          approveButton(incidentId, s.approvalId, s.step, `Approve ${STEP_NAMES[s.step]}`),
          rejectButton(incidentId, s.approvalId, s.step, `Reject ${STEP_NAMES[s.step]}`),
        );
        break;
      case 'request':
        if (s.step === 'recover') {
          for (const strategy of s.strategies) {
            out.push(
              actionButton(
                { kind: 'request', incidentId, step: 'recover', strategy },
                `Request recovery: ${STRATEGY_NAMES[strategy]}`,
                strategy === 'versions' ? { style: 'primary' } : {},
              ),
            );
          }
        } else if (s.step === 'contain') {
          out.push(
            actionButton({ kind: 'request', incidentId, step: 'contain' }, 'Request containment', {
              style: 'primary',
            }),
          );
        } else {
          out.push(actionButton({ kind: 'request', incidentId, step: 'rollback' }, 'Request rollback'));
        }
        break;
      case 'retry':
        out.push(
          actionButton({ kind: 'retry', incidentId, step: s.step }, `Retry ${STEP_NAMES[s.step]}`, {
            ...(s.step === 'assess' || s.step === 'verify'
              ? {}
              : {
                  confirm: {
                    title: `Retry ${STEP_NAMES[s.step]}?`,
                    text: `${STEP_TITLES[s.step]} was approved before; retrying runs it again now without a new approval.`,
                    confirm: 'Retry now',
                  },
                }),
          }),
        );
        break;
      case 'assess':
        out.push(actionButton({ kind: 'assess', incidentId }, 'Run assessment'));
        break;
      case 'dry-run':
        out.push(
          actionButton({ kind: 'dry-run', incidentId, step: s.step }, `Dry run: ${STEP_NAMES[s.step]}`),
        );
        break;
      case 'close':
        out.push(
          s.reasonRequired
            ? actionButton({ kind: 'close', incidentId }, 'Close (with reason)')
            : actionButton({ kind: 'close', incidentId }, 'Close incident', {
                confirm: {
                  title: 'Close the incident?',
                  text: 'Recovery is verified. Closing ends the workflow.',
                  confirm: 'Close',
                },
              }),
        );
        break;
      case 'cancel':
        out.push(actionButton({ kind: 'cancel', incidentId }, 'Cancel incident', { style: 'danger' }));
        break;
    }
  }
  return out;
}
