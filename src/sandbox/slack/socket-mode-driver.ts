// Plays Slack's side towards a bot in Socket Mode: the same requests as the HTTP driver (driver.ts),
// built by the same payload builders, pushed as envelopes down the bot's WebSocket to the stand-in
// instead of signed HTTP posts. Response URLs and trigger ids come from the stand-in, and the ack's
// payload is shown there the way Slack shows it.

import type { SlashCommandInput } from './driver.ts';
import { type AppContext, slashCommandBody } from './payloads.ts';
import type { PushOptions, SocketModeAck } from './socket-mode.ts';
import type { SlackStandIn } from './stand-in.ts';

export interface SocketModeDriverOptions {
  standIn: SlackStandIn;
  /** Channel used when a call names none. */
  defaultChannelId?: string;
}

export interface SocketModeDriver {
  /** A slash command as a `slash_commands` envelope; resolves with the bot's ack. */
  slashCommand(
    input: SlashCommandInput,
    opts?: PushOptions,
  ): Promise<SocketModeAck & { responseUrl: string; triggerId: string }>;
}

export function createSocketModeDriver(opts: SocketModeDriverOptions): SocketModeDriver {
  const { standIn } = opts;
  const ctx: AppContext = {
    teamId: standIn.team.id,
    teamDomain: standIn.team.domain,
    apiAppId: standIn.bot.appId,
    verificationToken: 'sandbox-verification-token',
  };
  const defaultChannel = opts.defaultChannelId ?? 'C0SANDBOX1';

  async function slashCommand(input: SlashCommandInput, push: PushOptions = {}) {
    standIn.ensureUser(input.userId, input.userName);
    const name =
      input.userName ?? standIn.workspace.users.get(input.userId)?.name ?? input.userId.toLowerCase();
    const channelId = input.channelId ?? defaultChannel;
    const responseUrl = standIn.responseUrl({ channel: channelId, user: input.userId });
    const triggerId = standIn.triggerId(input.userId);
    const body = slashCommandBody(ctx, {
      user: { id: input.userId, name },
      command: input.command ?? '/ssec',
      text: input.text ?? '',
      channelId,
      channelName:
        input.channelName ??
        standIn.channels().find((c) => c.id === channelId)?.name ??
        channelId.toLowerCase(),
      responseUrl,
      triggerId,
    });
    // Over Socket Mode the slash command's fields travel as a JSON object of the same strings.
    const payload = Object.fromEntries(new URLSearchParams(body));
    const ack = await standIn.socketMode.push('slash_commands', payload, push);
    return { ...ack, responseUrl, triggerId };
  }

  return { slashCommand };
}
