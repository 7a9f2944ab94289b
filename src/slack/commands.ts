// The `/ssec` subcommands. Each runs after the listener has acknowledged, answers only the person
// who typed it (ephemeral), and leaves everything the team should see to the incident thread.

import { type ContainOptions, RECOVERY_STRATEGIES, type RecoveryStrategy } from '../../workflows/types.ts';
import type { Config } from '../config/config.ts';
import type { Clock } from '../context.ts';
import type { Incident } from '../store/incidents.ts';
import type { Store } from '../store/store.ts';
import type { Message } from './blocks/kit.ts';
import { declareModal } from './blocks/modals.ts';
import { listMessage, statusMessage } from './blocks/overview.ts';
import { checkDeclare, isAccessKeyId } from './declare-input.ts';
import type { IncidentActions, Reply, SlackRuntime } from './incident-actions.ts';
import type { IncidentNotifier, WebClient } from './incident-notifier.ts';
import { resolveTarget } from './incident-target.ts';
import { viewOf } from './incident-view.ts';
import type { CommandHandler, CommandRequest } from './listeners.ts';
import { auditRefusal } from './refusals.ts';
import type { RespondersResolver } from './responders.ts';
import { SUBCOMMANDS } from './ssec-command.ts';

export interface DeclareRequest {
  buckets: string[];
  accessKeyIds: string[];
  since: Date | null;
  declaredBy: string;
}

export type DeclareIncident = (input: DeclareRequest) => Promise<Incident>;

export interface CommandDeps {
  client: WebClient;
  store: Store;
  config: Config;
  clock: Clock;
  runtime: SlackRuntime;
  notifier: IncidentNotifier;
  responders: RespondersResolver;
  actions: IncidentActions;
  declareIncident: DeclareIncident;
}

const FLAGS: Record<string, string[]> = {
  declare: ['key', 'keys', 'since'],
  list: [],
  status: [],
  assess: [],
  contain: ['skip', 'dry-run'],
  recover: ['strategy', 'dry-run'],
  rollback: ['dry-run'],
  report: [],
  close: [],
};

// Parts of containment a responder may leave out, e.g. a key shared with production that must stay
// active while the buckets are protected. Everything else stays on: the safe default.
const SKIPPABLE: Record<string, keyof ContainOptions> = {
  deactivate: 'deactivateKeys',
  'deny-all': 'attachDenyAll',
  sessions: 'revokeSessions',
  block: 'blockSseC',
  lifecycle: 'defuseLifecycle',
};

/** `--skip deny-all,lifecycle` as workflow options, or what to fix. */
export function parseContainSkip(raw: string | true | undefined): ContainOptions | string {
  if (raw === undefined) return {};
  const names = String(raw)
    .toLowerCase()
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(n in SKIPPABLE));
  if (unknown.length > 0 || names.length === 0)
    return `\`--skip\` takes a comma-separated list of ${Object.keys(SKIPPABLE).join(', ')}; got \`${unknown.join(',') || String(raw)}\`.`;
  const options: ContainOptions = {};
  for (const n of names) options[SKIPPABLE[n]!] = false;
  if (Object.values(SKIPPABLE).every((k) => options[k] === false))
    return 'Skipping every part leaves nothing to contain: drop `--skip` or leave at least one part on.';
  return options;
}

const usage = (name: string) => SUBCOMMANDS.find((s) => s.name === name)?.usage ?? `/ssec ${name}`;

function replyFor(req: CommandRequest): Reply {
  return async (m: string | Message) => {
    await req.respond(
      typeof m === 'string'
        ? { response_type: 'ephemeral', text: m }
        : { response_type: 'ephemeral', text: m.text, blocks: m.blocks as never },
    );
  };
}

/** Unknown flags and flags that need a value but got none, said with the right usage. */
function flagProblem(req: CommandRequest): string | null {
  const allowed = FLAGS[req.name] ?? [];
  for (const [flag, value] of Object.entries(req.flags)) {
    if (!allowed.includes(flag)) {
      return `\`/ssec ${req.name}\` has no \`--${flag}\`. Type: \`${usage(req.name)}\``;
    }
    if (value === true && flag !== 'dry-run')
      return `\`--${flag}\` needs a value. Type: \`${usage(req.name)}\``;
  }
  return null;
}

export function createCommandHandlers(deps: CommandDeps): Record<string, CommandHandler> {
  const { store, clock, actions } = deps;

  /** Incident details go to responders, or to anyone already in the incident channel. */
  async function maySee(req: CommandRequest): Promise<boolean> {
    return req.channelId === deps.config.incidentChannel || (await deps.responders.isResponder(req.userId));
  }

  function target(req: CommandRequest, opts: { allowClosed?: boolean; example?: string } = {}) {
    const t = resolveTarget(store, req.name, req.positional, opts);
    return t;
  }

  const withChecks =
    (handler: (req: CommandRequest, reply: Reply) => Promise<void>): CommandHandler =>
    async (req) => {
      const reply = replyFor(req);
      const problem = flagProblem(req);
      if (problem) {
        await reply(problem);
        return;
      }
      await handler(req, reply);
    };

  async function declare(req: CommandRequest, reply: Reply): Promise<void> {
    const flagKeys = [req.flags.key, req.flags.keys].filter((v): v is string => typeof v === 'string');
    const keys = [...flagKeys, ...req.positional.filter(isAccessKeyId)];
    const buckets = req.positional.filter((p) => !isAccessKeyId(p));
    const since = typeof req.flags.since === 'string' ? req.flags.since : null;
    if (!(await deps.responders.isResponder(req.userId))) {
      await reply(
        `:no_entry_sign: ${auditRefusal(store, clock, { incidentId: null, userId: req.userId, action: 'incident.declare', reason: 'not-a-responder' })}`,
      );
      return;
    }
    if (buckets.length === 0) {
      const parsedSince = since ? checkDeclare({ buckets: ['placeholder'], keys: [], since }, clock()) : null;
      const view = declareModal(
        { keys, since: parsedSince?.ok ? parsedSince.input.since : null },
        { channelId: req.channelId },
      );
      try {
        await deps.client.views.open({ trigger_id: req.triggerId, view: view as never });
      } catch {
        await reply(
          'The form could not be opened. Type it instead: `/ssec declare <bucket…> [--key AKIA…] [--since 2025-01-13T09:00Z]`',
        );
      }
      return;
    }
    const checked = checkDeclare({ buckets, keys, since }, clock());
    if (!checked.ok) {
      await reply(
        `:warning: ${Object.values(checked.errors).join(' ')}\nType: \`/ssec declare my-bucket other-bucket --key AKIA… --since 2025-01-13T09:00Z\``,
      );
      return;
    }
    const incident = await deps.declareIncident({ ...checked.input, declaredBy: req.userId });
    const link = await deps.notifier.permalink(incident.id);
    await reply(
      `:rotating_light: Declared ${incident.ref} for ${checked.input.buckets.length} bucket(s).` +
        (link
          ? ` <${link}|Open the incident thread>.`
          : deps.config.incidentChannel
            ? ` The thread is in <#${deps.config.incidentChannel}>.`
            : ''),
    );
  }

  async function list(req: CommandRequest, reply: Reply): Promise<void> {
    if (!(await maySee(req))) {
      await reply(
        `Incident details are shown to responders${deps.config.incidentChannel ? ` and in <#${deps.config.incidentChannel}>` : ''}.`,
      );
      return;
    }
    const open = await Promise.all(
      store.incidents.listOpen().map(async (i) => ({
        view: viewOf(store, (id) => deps.runtime.snapshot(id), i),
        permalink: await deps.notifier.permalink(i.id),
      })),
    );
    await reply(listMessage(open));
  }

  async function status(req: CommandRequest, reply: Reply): Promise<void> {
    const t = target(req, { allowClosed: true });
    if (!t.ok) return reply(t.message);
    if (!(await maySee(req))) {
      await reply(
        `${t.incident.ref} is ${t.incident.status}. Details are shown to responders${deps.config.incidentChannel ? ` and in <#${deps.config.incidentChannel}>` : ''}.`,
      );
      return;
    }
    const view = viewOf(store, (id) => deps.runtime.snapshot(id), t.incident);
    await reply(statusMessage({ view, permalink: await deps.notifier.permalink(t.incident.id) }, clock()));
  }

  async function assess(req: CommandRequest, reply: Reply): Promise<void> {
    const t = target(req);
    if (!t.ok) return reply(t.message);
    await actions.send(
      t.incident.id,
      { type: 'ASSESS', by: req.userId },
      reply,
      `:mag: Assessment of ${t.incident.ref} started.`,
    );
  }

  async function contain(req: CommandRequest, reply: Reply): Promise<void> {
    const options = parseContainSkip(req.flags.skip);
    if (typeof options === 'string') return reply(`${options} Type: \`${usage('contain')}\``);
    const t = target(req, { example: req.flags['dry-run'] ? '--dry-run' : '' });
    if (!t.ok) return reply(t.message);
    if (req.flags['dry-run']) return actions.dryRun(t.incident.id, req.userId, 'contain', reply, { options });
    await actions.send(
      t.incident.id,
      { type: 'REQUEST', step: 'contain', by: req.userId, options },
      reply,
      `:raised_hand: Containment of ${t.incident.ref} requested; it waits for another responder’s approval in the thread.`,
    );
  }

  async function recover(req: CommandRequest, reply: Reply): Promise<void> {
    const raw = req.flags.strategy;
    const strategy = (typeof raw === 'string' ? raw.toLowerCase() : 'versions') as RecoveryStrategy;
    if (!RECOVERY_STRATEGIES.includes(strategy)) {
      return reply(
        `\`--strategy ${String(raw)}\` is not one of ${RECOVERY_STRATEGIES.join(', ')}. Type: \`${usage('recover')}\``,
      );
    }
    const t = target(req, { example: `--strategy ${strategy}` });
    if (!t.ok) return reply(t.message);
    if (req.flags['dry-run'])
      return actions.dryRun(t.incident.id, req.userId, 'recover', reply, { strategy });
    await actions.send(
      t.incident.id,
      { type: 'REQUEST', step: 'recover', strategy, by: req.userId },
      reply,
      `:raised_hand: Recovery of ${t.incident.ref} (${strategy}) requested; it waits for another responder’s approval in the thread.`,
    );
  }

  async function rollback(req: CommandRequest, reply: Reply): Promise<void> {
    const t = target(req, { example: '<reason>' });
    if (!t.ok) return reply(t.message);
    if (req.flags['dry-run']) return actions.dryRun(t.incident.id, req.userId, 'rollback', reply);
    const reason = t.rest.join(' ').trim();
    await actions.send(
      t.incident.id,
      { type: 'REQUEST', step: 'rollback', by: req.userId, ...(reason ? { reason } : {}) },
      reply,
      `:raised_hand: Rollback of ${t.incident.ref}'s containment requested; it waits for approval in the thread.`,
    );
  }

  async function report(req: CommandRequest, reply: Reply): Promise<void> {
    const t = target(req, { allowClosed: true });
    if (!t.ok) return reply(t.message);
    if (!(await maySee(req))) {
      await reply(
        `:no_entry_sign: ${auditRefusal(store, clock, { incidentId: t.incident.id, userId: req.userId, action: 'report.attach', reason: 'not-a-responder' })}`,
      );
      return;
    }
    await actions.attachReport(t.incident.id, req.userId, reply);
  }

  async function close(req: CommandRequest, reply: Reply): Promise<void> {
    const t = target(req, { example: '<reason>' });
    if (!t.ok) return reply(t.message);
    const reason = t.rest.join(' ').trim();
    const view = viewOf(store, (id) => deps.runtime.snapshot(id), t.incident);
    if (view.verified) {
      await actions.send(
        t.incident.id,
        { type: 'CLOSE', by: req.userId, ...(reason ? { reason } : {}) },
        reply,
        `${t.incident.ref} closed as resolved.`,
      );
      return;
    }
    if (!reason) {
      return reply(
        `${t.incident.ref} has not been verified as recovered, so closing cancels it and needs a reason for the record. Type: \`/ssec close ${t.incident.ref} <reason>\``,
      );
    }
    await actions.send(
      t.incident.id,
      { type: 'CANCEL', by: req.userId, reason },
      reply,
      `${t.incident.ref} cancelled.`,
    );
  }

  return {
    declare: withChecks(declare),
    list: withChecks(list),
    status: withChecks(status),
    assess: withChecks(assess),
    contain: withChecks(contain),
    recover: withChecks(recover),
    rollback: withChecks(rollback),
    report: withChecks(report),
    close: withChecks(close),
  };
}
