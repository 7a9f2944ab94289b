// The Slack side of the sandbox: a Web API stand-in, a driver that plays Slack towards the bot,
// and a terminal renderer for what the bot posted.

export { SLACK_LIMITS, type Surface, validateBlocks, validateView } from './block-rules.ts';
export {
  type BlockActionInput,
  type ClickButtonInput,
  type ClickViewButtonInput,
  createSlackDriver,
  type DriverResponse,
  type SlackDriver,
  type SlackDriverOptions,
  type SlashCommandInput,
  type ViewSubmissionInput,
} from './driver.ts';
export { mrkdwnToTerminal } from './mrkdwn.ts';
export type { RateLimitOptions, RateLimitRule } from './rate-limit.ts';
export {
  type Choice,
  type MessageLike,
  type Rendered,
  type RenderOptions,
  renderMessage,
  renderMessageWithChoices,
  renderThread,
  renderThreadWithChoices,
  type ThreadRenderOptions,
  type ThreadSource,
} from './render.ts';
export { signedHeaders, slackSignature } from './signing.ts';
export {
  type EphemeralFilter,
  SlackStandIn,
  type SlackStandInOptions,
  startSlackApiStandIn,
} from './stand-in.ts';
export type * from './types.ts';
export type { ViewAckOutcome } from './view-ack.ts';
