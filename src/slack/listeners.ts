import type { App, RespondArguments } from '@slack/bolt';
import type { Logger } from '../logger.ts';
import { afterAck } from './after-ack.ts';
import { helpText, parseSsecCommand, unknownCommandText } from './ssec-command.ts';

/** What a subcommand handler may use; it runs after `ack()`. */
export interface CommandRequest {
  name: string;
  positional: string[];
  flags: Record<string, string | true>;
  userId: string;
  channelId: string;
  triggerId: string;
  respond: (message: string | RespondArguments) => Promise<unknown>;
}

export type CommandHandler = (req: CommandRequest) => Promise<void>;

export interface SlackListenerDeps {
  logger: Logger;
  commands?: Partial<Record<string, CommandHandler>>;
}

interface Registry {
  logger: Logger;
  commands: Partial<Record<string, CommandHandler>>;
}

// One `/ssec` listener per app: Bolt runs every matching listener, and two would both try to ack.
// A second registration (the Slack layer's, after startApp's) adds its handlers to the first.
const registries = new WeakMap<App, Registry>();

export function registerSlackListeners(app: App, deps: SlackListenerDeps): void {
  const existing = registries.get(app);
  if (existing) {
    Object.assign(existing.commands, deps.commands ?? {});
    return;
  }
  const registry: Registry = { logger: deps.logger, commands: { ...deps.commands } };
  registries.set(app, registry);
  app.command('/ssec', async ({ command, ack, respond }) => {
    const parsed = parseSsecCommand(command.text ?? '');
    if (parsed.kind === 'unknown') {
      await ack({ response_type: 'ephemeral', text: unknownCommandText(parsed.given) });
      return;
    }
    const handler = registry.commands[parsed.name];
    if (parsed.name === 'help' || !handler) {
      await ack({ response_type: 'ephemeral', text: helpText() });
      return;
    }
    // Acknowledge first: Slack gives us 3 s, and every real handler talks to AWS or the database.
    await ack();
    await afterAck();
    try {
      await handler({
        ...parsed,
        userId: command.user_id,
        channelId: command.channel_id,
        triggerId: command.trigger_id,
        respond,
      });
    } catch (error) {
      registry.logger.error({ err: error, subcommand: parsed.name }, '/ssec handler failed');
      await respond({
        response_type: 'ephemeral',
        text: `:warning: \`/ssec ${parsed.name}\` failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  });
}
