// What every Web API method handler of the stand-in shares: the error Slack answers with, and the
// argument readers that accept both ways WebClient sends arguments (form fields holding JSON strings,
// or a JSON body holding real objects).

import type { Workspace } from './workspace.ts';

export type Args = Record<string, unknown>;

/** Thrown by a handler; the server turns it into Slack's `{ ok: false, error, response_metadata }`. */
export class SlackMethodError extends Error {
  readonly code: string;
  readonly messages: string[];
  /** Slack puts block problems in a top-level `errors` array too. */
  readonly errors: string[] | undefined;

  constructor(code: string, messages: string[] = [], errors?: string[]) {
    super(messages.length > 0 ? `${code}: ${messages.join('; ')}` : code);
    this.code = code;
    this.messages = messages;
    this.errors = errors;
  }
}

export interface MethodContext {
  ws: Workspace;
  args: Args;
  /** Base URL of the stand-in, for upload URLs and permalinks it hosts. */
  baseUrl: string;
  now: number;
  /** A fresh one-use Socket Mode URL on this stand-in (`apps.connections.open`). */
  socketModeUrl: () => string;
}

export type MethodResult = Record<string, unknown>;
export type MethodHandler = (ctx: MethodContext) => MethodResult;

/** Slack's answer to a call without a required argument (e.g. `chat.update` without `ts`). */
export function missing(name: string): SlackMethodError {
  return new SlackMethodError('invalid_arguments', [`[ERROR] missing required field: ${name}`]);
}

export function invalidBlocks(problems: string[]): SlackMethodError {
  return new SlackMethodError(
    'invalid_blocks',
    problems.map((p) => `[ERROR] ${p}`),
    problems,
  );
}

export function optString(args: Args, name: string): string | undefined {
  const v = args[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new SlackMethodError('invalid_arguments', [`[ERROR] ${name} must be a string`]);
}

export function reqString(args: Args, name: string): string {
  const v = optString(args, name);
  if (v === undefined || v === '') throw missing(name);
  return v;
}

export function optBool(args: Args, name: string): boolean {
  const v = args[name];
  return v === true || v === 'true' || v === '1' || v === 1;
}

export function optInt(args: Args, name: string, fallback: number): number {
  const v = args[name];
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'number' ? v : Number.parseInt(String(v), 10);
  if (!Number.isFinite(n))
    throw new SlackMethodError('invalid_arguments', [`[ERROR] ${name} must be an integer`]);
  return n;
}

/**
 * A structured argument: form-encoded calls carry it as a JSON string, JSON calls as the value itself.
 * `badJson` is the error Slack gives for text that does not parse (e.g. `invalid_blocks_format`).
 */
export function optJson(args: Args, name: string, badJson = 'invalid_arguments'): unknown {
  const v = args[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    throw new SlackMethodError(badJson, [`[ERROR] ${name} is not valid JSON`]);
  }
}
