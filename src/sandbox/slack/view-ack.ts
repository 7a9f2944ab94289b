// What Slack does with the HTTP answer to a view_submission: an empty 200 closes the view;
// `response_action` can instead show field errors, update or push a view, or clear the stack.
// https://docs.slack.dev/surfaces/modals#updating_response

import { validateView } from './block-rules.ts';
import type { StoredView } from './types.ts';
import { applyContent, createView } from './view-methods.ts';
import type { Workspace } from './workspace.ts';

export type ViewAckOutcome =
  | { action: 'closed' | 'cleared'; view: StoredView }
  | { action: 'errors'; view: StoredView; errors: Record<string, string> }
  | { action: 'updated' | 'pushed'; view: StoredView }
  /** Slack would refuse the answer and leave the modal as it was. */
  | { action: 'refused'; view: StoredView; problems: string[] };

function parseAck(body: string): Record<string, unknown> | undefined {
  if (body.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function applyViewAck(ws: Workspace, view: StoredView, body: string, now: number): ViewAckOutcome {
  const ack = parseAck(body);
  const action = ack?.response_action;
  if (action === undefined) {
    view.open = false;
    return { action: 'closed', view };
  }
  if (action === 'clear') {
    for (const v of ws.views.values()) if (v.root_view_id === view.root_view_id) v.open = false;
    return { action: 'cleared', view };
  }
  if (action === 'errors') {
    const errors = (ack?.errors ?? {}) as Record<string, string>;
    return { action: 'errors', view, errors };
  }
  if (action === 'update' || action === 'push') {
    const problems = validateView(ack?.view, 'modal');
    if (problems.length > 0) return { action: 'refused', view, problems };
    const raw = ack?.view as Record<string, unknown>;
    if (action === 'update') {
      applyContent(view, raw, now);
      return { action: 'updated', view };
    }
    const pushed = createView(ws, raw, view.user, now);
    pushed.root_view_id = view.root_view_id;
    pushed.previous_view_id = view.id;
    return { action: 'pushed', view: pushed };
  }
  return { action: 'refused', view, problems: [`unknown response_action: ${String(action)}`] };
}
