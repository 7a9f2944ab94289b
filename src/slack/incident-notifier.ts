// Tells the incident thread what happened: opens it (control panel, pinned, plus the first guided
// reply), and on every workflow change edits the panel in place and posts what responders need to
// read or decide. Runs after the runtime has saved the change, one incident at a time.

import type { webApi } from '@slack/bolt';
import type { IncidentSnapshot } from '../../workflows/incident-machine.ts';
import type { IncidentEmitted, Step } from '../../workflows/types.ts';
import { REFUSAL_MESSAGES } from '../../workflows/types.ts';
import type { Config } from '../config/config.ts';
import type { Clock } from '../context.ts';
import type { Logger } from '../logger.ts';
import type { Incident } from '../store/incidents.ts';
import type { Store } from '../store/store.ts';
import { approvalMessage } from './blocks/approval.ts';
import { controlPanel } from './blocks/control-panel.ts';
import {
  closedReply,
  decisionReply,
  openingReply,
  reminderReply,
  stepFailedReply,
  stepSucceededReply,
} from './blocks/guided-replies.ts';
import { type Message, section } from './blocks/kit.ts';
import { progressMessage } from './blocks/progress.ts';
import { snapshotOf, viewOf } from './incident-view.ts';
import type { InteractionTracker } from './interactions.ts';
import { escapeMrkdwn, truncate } from './limits.ts';
import { createProgressReporter } from './progress-reporter.ts';
import { affectedCsv } from './report/affected-csv.ts';
import type { RespondersResolver } from './responders.ts';
import { createSerialQueue } from './serial-queue.ts';
import { patchThreadState, threadState } from './thread-state.ts';

export type WebClient = webApi.WebClient;

export interface SnapshotSource {
  snapshot(incidentId: number): IncidentSnapshot | undefined;
}

export interface NotifierDeps {
  client: WebClient;
  store: Store;
  config: Config;
  logger: Logger;
  clock: Clock;
  runtime: SnapshotSource;
  responders: RespondersResolver;
  interactions: InteractionTracker;
  /** Least time between two edits of one progress message; Slack's chat.update tier allows about one a second. */
  progressIntervalMs?: number;
}

export interface Thread {
  channel: string;
  threadTs: string;
}

export interface FileToAttach {
  filename: string;
  title: string;
  content: Buffer;
  comment: string;
  /** Attach once per key: a redelivered change must not attach the same file twice. */
  dedupKey?: string;
}

export interface IncidentNotifier {
  incidentOpened(incident: Incident, context?: { alertSummary?: string }): Promise<void>;
  /** Without a snapshot (an alert joined the incident), only the panel is refreshed from the store. */
  incidentChanged(
    incidentId: number,
    snapshot: IncidentSnapshot | undefined,
    emitted: IncidentEmitted[],
  ): Promise<void>;
  stepProgress(incidentId: number, step: Step, progress: object): void;
  /** Opens the thread if the incident has none yet (idempotent). */
  ensureThread(incidentId: number): Promise<Thread | undefined>;
  refreshPanel(incidentId: number): Promise<void>;
  postInThread(incidentId: number, message: Message): Promise<string | undefined>;
  attachFile(incidentId: number, file: FileToAttach): Promise<boolean>;
  /** Shows `text` to one person in the incident thread. */
  tellUser(incidentId: number, userId: string, text: string): Promise<void>;
  permalink(incidentId: number): Promise<string | null>;
  idle(): Promise<void>;
  stop(): void;
}

export function createIncidentNotifier(deps: NotifierDeps): IncidentNotifier {
  const { client, store, logger, clock } = deps;
  const log = logger.child({ component: 'slack-notifier' });
  const queue = createSerialQueue((err, key) => log.error({ err, incidentId: key }, 'Slack update failed'));

  /** Slack being down must never break the workflow: failures are logged and the rest goes on. */
  async function attempt<T>(what: string, incidentId: number, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      log.error({ err, incidentId, call: what }, 'Slack call failed');
      return undefined;
    }
  }

  const incidentOf = (id: number) => store.incidents.get(id);
  const live = (id: number) => deps.runtime.snapshot(id);
  const snapshotFor = (id: number) => snapshotOf(store, id, live);

  function threadOf(incident: Incident): Thread | undefined {
    return incident.channel && incident.threadTs
      ? { channel: incident.channel, threadTs: incident.threadTs }
      : undefined;
  }

  async function openThread(
    incident: Incident,
    alertSummary: string | undefined,
  ): Promise<Thread | undefined> {
    const existing = threadOf(incident);
    if (existing) return existing;
    const channel = incident.channel ?? deps.config.incidentChannel;
    if (!channel) {
      log.error(
        { incidentId: incident.id },
        'no incident channel configured (SSEC_INCIDENT_CHANNEL); thread not opened',
      );
      return undefined;
    }
    const view = viewOf(store, live, incident);
    const panel = controlPanel(view, clock());
    const posted = await client.chat.postMessage({ channel, text: panel.text, blocks: panel.blocks });
    const ts = posted.ts;
    if (!ts) throw new Error('chat.postMessage returned no ts');
    const postedChannel = posted.channel ?? channel;
    store.incidents.update(incident.id, { channel: postedChannel, threadTs: ts }, clock());
    patchThreadState(store, incident.id, (s) => ({ ...s, panelTs: ts }), clock());
    await attempt('pins.add', incident.id, () => client.pins.add({ channel: postedChannel, timestamp: ts }));
    const link = await attempt('chat.getPermalink', incident.id, () =>
      client.chat.getPermalink({ channel: postedChannel, message_ts: ts }),
    );
    if (link?.permalink)
      patchThreadState(store, incident.id, (s) => ({ ...s, permalink: link.permalink }), clock());
    const thread = { channel: postedChannel, threadTs: ts };
    const opening = openingReply(view, alertSummary);
    await postTo(thread, opening, incident.id);
    return thread;
  }

  async function postTo(thread: Thread, message: Message, incidentId: number): Promise<string | undefined> {
    const res = await attempt('chat.postMessage', incidentId, () =>
      client.chat.postMessage({
        channel: thread.channel,
        thread_ts: thread.threadTs,
        text: message.text,
        blocks: message.blocks,
      }),
    );
    return res?.ts;
  }

  async function ensure(incidentId: number, alertSummary?: string): Promise<Thread | undefined> {
    const incident = incidentOf(incidentId);
    if (!incident) return undefined;
    return threadOf(incident) ?? (await openThread(incident, alertSummary));
  }

  async function updatePanel(incidentId: number, snapshot: IncidentSnapshot | undefined): Promise<void> {
    const incident = incidentOf(incidentId);
    const panelTs = incident ? threadState(incident).panelTs : undefined;
    if (!incident?.channel || !panelTs) return;
    const panel = controlPanel(viewOf(store, live, incident, snapshot), clock());
    await attempt('chat.update', incidentId, () =>
      client.chat.update({ channel: incident.channel!, ts: panelTs, text: panel.text, blocks: panel.blocks }),
    );
  }

  async function updateApprovalMessage(
    incidentId: number,
    snapshot: IncidentSnapshot,
    approvalId: string,
    thread: Thread,
  ) {
    const incident = incidentOf(incidentId);
    const approval = snapshot.context.approvals[approvalId];
    if (!incident || !approval) return;
    const message = approvalMessage({
      incidentId,
      ref: incident.ref,
      approval,
      responders: [...deps.responders.configured],
    });
    const ts = threadState(incident).approvals?.[approvalId];
    if (ts) {
      await attempt('chat.update', incidentId, () =>
        client.chat.update({ channel: thread.channel, ts, text: message.text, blocks: message.blocks }),
      );
      return;
    }
    const posted = await postTo(thread, message, incidentId);
    if (posted) {
      patchThreadState(
        store,
        incidentId,
        (s) => ({ ...s, approvals: { ...s.approvals, [approvalId]: posted } }),
        clock(),
      );
    }
  }

  async function approvalLink(
    incidentId: number,
    approvalId: string,
    thread: Thread,
  ): Promise<string | null> {
    const incident = incidentOf(incidentId);
    const ts = incident ? threadState(incident).approvals?.[approvalId] : undefined;
    if (!ts) return null;
    const res = await attempt('chat.getPermalink', incidentId, () =>
      client.chat.getPermalink({ channel: thread.channel, message_ts: ts }),
    );
    return res?.permalink ?? null;
  }

  async function tell(incidentId: number, thread: Thread, userId: string, text: string): Promise<void> {
    await attempt('chat.postEphemeral', incidentId, () =>
      client.chat.postEphemeral({ channel: thread.channel, user: userId, thread_ts: thread.threadTs, text }),
    );
  }

  async function attach(incidentId: number, thread: Thread, file: FileToAttach): Promise<boolean> {
    const incident = incidentOf(incidentId);
    if (file.dedupKey && incident && threadState(incident).files?.[file.dedupKey]) return true;
    const res = await attempt('files.uploadV2', incidentId, () =>
      client.files.uploadV2({
        channel_id: thread.channel,
        thread_ts: thread.threadTs,
        file: file.content,
        filename: file.filename,
        title: file.title,
        initial_comment: file.comment,
      }),
    );
    if (!res) return false;
    const completed = (res as { files?: Array<{ files?: Array<{ id?: string }> }> }).files;
    const fileId = completed?.[0]?.files?.[0]?.id ?? 'attached';
    if (file.dedupKey) {
      const k = file.dedupKey;
      patchThreadState(store, incidentId, (s) => ({ ...s, files: { ...s.files, [k]: fileId } }), clock());
    }
    return true;
  }

  const progress = createProgressReporter({
    intervalMs: deps.progressIntervalMs ?? 1000,
    now: clock,
    sink: {
      enqueue: (incidentId, task) => queue.run(incidentId, task),
      async post(incidentId, message) {
        const thread = await ensure(incidentId);
        return thread ? postTo(thread, message, incidentId) : undefined;
      },
      async update(incidentId, ts, message) {
        const incident = incidentOf(incidentId);
        if (!incident?.channel) return;
        await attempt('chat.update', incidentId, () =>
          client.chat.update({ channel: incident.channel!, ts, text: message.text, blocks: message.blocks }),
        );
      },
      render(incidentId, p) {
        const ref = incidentOf(incidentId)?.ref ?? `#${incidentId}`;
        return progressMessage({ ref, ...p, now: clock() });
      },
      saveRef(incidentId, step, ref) {
        patchThreadState(
          store,
          incidentId,
          (s) => ({
            ...s,
            progress: { ...s.progress, [step]: { ...ref, startedAt: ref.startedAt.toISOString() } },
          }),
          clock(),
        );
      },
      loadRef(incidentId, step) {
        const incident = incidentOf(incidentId);
        const ref = incident ? threadState(incident).progress?.[step] : undefined;
        return ref ? { ...ref, startedAt: new Date(ref.startedAt) } : undefined;
      },
    },
  });

  async function attachAffected(incidentId: number, thread: Thread, runIds: number[], assessAttempt: number) {
    const runs = runIds.map((id) => store.assessments.getRun(id)).filter((r) => r !== undefined);
    if (runs.length === 0) return;
    const csv = affectedCsv(store.assessments, runs);
    const incident = incidentOf(incidentId);
    const ref = incident?.ref ?? `INC-${incidentId}`;
    const cut =
      csv.omitted > 0
        ? ` (first ${csv.rows.toLocaleString('en-US')}; ${csv.omitted.toLocaleString('en-US')} more not listed)`
        : '';
    await attach(incidentId, thread, {
      filename: `${ref}-affected-objects-${assessAttempt}.csv`,
      title: `${ref} affected objects (assessment ${assessAttempt})`,
      content: csv.content,
      comment: `Affected objects of ${ref}: ${csv.rows.toLocaleString('en-US')} row(s)${cut}.`,
      dedupKey: `affected-${assessAttempt}`,
    });
  }

  async function handle(incidentId: number, snapshot: IncidentSnapshot, e: IncidentEmitted, thread: Thread) {
    const incident = incidentOf(incidentId);
    if (!incident) return;
    const view = () => viewOf(store, live, incidentOf(incidentId) ?? incident, snapshot);
    switch (e.type) {
      case 'requested':
      case 'approved':
      case 'withdrawn':
        await updateApprovalMessage(incidentId, snapshot, e.approvalId, thread);
        break;
      case 'rejected':
      case 'expired':
        await updateApprovalMessage(incidentId, snapshot, e.approvalId, thread);
        await postTo(thread, decisionReply(view(), e), incidentId);
        break;
      case 'reminder': {
        const link = await approvalLink(incidentId, e.approvalId, thread);
        await postTo(
          thread,
          reminderReply(view(), e, { responders: [...deps.responders.configured], approvalLink: link }),
          incidentId,
        );
        break;
      }
      case 'refused':
        // The person who acted through Slack already got this answer where they acted.
        if (e.userId === 'system' || deps.interactions.isActive(incidentId, e.userId)) break;
        await tell(incidentId, thread, e.userId, `:no_entry_sign: ${REFUSAL_MESSAGES[e.reason]}`);
        break;
      case 'step.started':
        await progress.started(incidentId, e.step, e.attempt);
        break;
      case 'step.succeeded':
        await progress.finished(incidentId, e.step, 'succeeded');
        await postTo(thread, stepSucceededReply(view(), e), incidentId);
        if (e.step === 'assess') {
          const runIds = Array.isArray(e.result.assessRunIds) ? (e.result.assessRunIds as number[]) : [];
          await attachAffected(incidentId, thread, runIds, e.attempt);
        }
        break;
      case 'step.failed':
        await progress.finished(incidentId, e.step, 'failed');
        await postTo(thread, stepFailedReply(view(), e), incidentId);
        break;
      case 'closed':
        await postTo(thread, closedReply(view(), e), incidentId);
        break;
    }
  }

  return {
    incidentOpened(incident, context = {}) {
      return queue.run(incident.id, async () => {
        const current = incidentOf(incident.id) ?? incident;
        if (threadOf(current)) {
          // The thread exists (a change arrived first, or this is a retried hook): add what the alert says.
          if (context.alertSummary) {
            const text = `*What we know*\n${truncate(escapeMrkdwn(context.alertSummary), 2900)}`;
            await postTo(
              threadOf(current)!,
              { text: `${current.ref}: alert`, blocks: [section(text)] },
              incident.id,
            );
          }
          return;
        }
        await openThread(current, context.alertSummary);
      });
    },

    incidentChanged(incidentId, snapshot, emitted) {
      return queue.run(incidentId, async () => {
        const thread = await ensure(incidentId);
        if (!thread) return;
        const current = snapshot ?? snapshotFor(incidentId);
        if (current) for (const e of emitted) await handle(incidentId, current, e, thread);
        // A refusal or a reminder changes nothing the panel shows; a burst of refused clicks must
        // not become a burst of panel edits.
        const changed =
          snapshot === undefined || emitted.some((e) => e.type !== 'refused' && e.type !== 'reminder');
        if (changed) await updatePanel(incidentId, current);
      });
    },

    stepProgress(incidentId, step, p) {
      const numbers: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(p))
        if (typeof v === 'number' || typeof v === 'string') numbers[k] = v;
      progress.progress(incidentId, step, numbers);
    },

    ensureThread: (incidentId) => queue.run(incidentId, () => ensure(incidentId)),
    refreshPanel: (incidentId) => queue.run(incidentId, () => updatePanel(incidentId, undefined)),
    postInThread(incidentId, message) {
      return queue.run(incidentId, async () => {
        const thread = await ensure(incidentId);
        return thread ? postTo(thread, message, incidentId) : undefined;
      });
    },
    attachFile(incidentId, file) {
      return queue.run(incidentId, async () => {
        const thread = await ensure(incidentId);
        return thread ? attach(incidentId, thread, file) : false;
      });
    },
    async tellUser(incidentId, userId, text) {
      const incident = incidentOf(incidentId);
      const thread = incident ? threadOf(incident) : undefined;
      if (thread) await tell(incidentId, thread, userId, text);
    },
    async permalink(incidentId) {
      const incident = incidentOf(incidentId);
      return incident ? (threadState(incident).permalink ?? null) : null;
    },
    async idle() {
      await queue.idle();
      await progress.idle();
      await queue.idle();
    },
    stop: () => progress.stop(),
  };
}
