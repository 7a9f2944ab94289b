// Block Kit rendered as readable terminal text, so the drill can print the incident thread as it
// unfolds: headers emphasised, sections and two-column fields, dim context, dividers, buttons as
// numbered choices (`[1] Approve  [2] Reject`) that the person at the keyboard can pick, files as
// `📎 name`, and thread replies indented under their parent.

import { mrkdwnToTerminal, type Style, terminalStyle, visibleLength, wrap } from './mrkdwn.ts';
import type { Block, Ephemeral, StoredMessage } from './types.ts';

export interface RenderOptions {
  /** ANSI colour and emphasis (default true); false gives plain text. */
  color?: boolean;
  /** Wrap width in columns (default 100). */
  width?: number;
  /** Number of the first choice (default 1), so a whole thread numbers its buttons in one sequence. */
  firstChoice?: number;
  /** Show `name  HH:MM:SS` above each message (default true). */
  showAuthor?: boolean;
  /** Name shown for the bot's own messages (default `ssec`). */
  botName?: string;
  /** User id → display name, for authors and mentions. */
  users?: ReadonlyMap<string, string>;
}

/** A button shown as `[n] Label`, with what is needed to click it. */
export interface Choice {
  number: number;
  label: string;
  actionId: string;
  blockId?: string;
  value?: string;
  style?: string;
  url?: string;
  /** Where the button is, when rendered as part of a message. */
  channel?: string;
  ts?: string;
  ephemeral?: boolean;
}

export interface Rendered {
  text: string;
  choices: Choice[];
}

/** Anything message-shaped: a stored message, an ephemeral, or a plain `{ text, blocks }`. */
export interface MessageLike {
  text?: string;
  blocks?: Block[];
  attachments?: unknown[];
  files?: Array<{ name: string; size?: number; title?: string }>;
  user?: string;
  bot_id?: string;
  ts?: string;
  channel?: string;
  edited?: unknown;
}

type Obj = Record<string, unknown>;

interface Ctx {
  style: Style;
  width: number;
  users: ReadonlyMap<string, string> | undefined;
  choices: Choice[];
  next: number;
  where: Pick<Choice, 'channel' | 'ts' | 'ephemeral'>;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function textOf(t: unknown, ctx: Ctx): string {
  if (!isObj(t) || typeof t.text !== 'string') return '';
  return t.type === 'mrkdwn' ? mrkdwnToTerminal(t.text, ctx.style, { users: ctx.users }) : t.text;
}

const plainOf = (t: unknown): string => (isObj(t) && typeof t.text === 'string' ? t.text : '');

function choice(el: Obj, block: Block, ctx: Ctx): string {
  const label = plainOf(el.text) || String(el.action_id ?? '?');
  const c: Choice = {
    number: ctx.next,
    label,
    actionId: String(el.action_id ?? ''),
    ...(block.block_id ? { blockId: block.block_id } : {}),
    ...(typeof el.value === 'string' ? { value: el.value } : {}),
    ...(typeof el.style === 'string' ? { style: el.style } : {}),
    ...(typeof el.url === 'string' ? { url: el.url } : {}),
    ...ctx.where,
  };
  ctx.choices.push(c);
  ctx.next += 1;
  const shown = `[${c.number}] ${label}${c.url ? ' ↗' : ''}`;
  if (c.style === 'danger') return ctx.style.red(ctx.style.bold(shown));
  if (c.style === 'primary') return ctx.style.green(ctx.style.bold(shown));
  return ctx.style.cyan(shown);
}

function element(el: unknown, block: Block, ctx: Ctx): string {
  if (!isObj(el)) return '';
  if (el.type === 'button') return choice(el, block, ctx);
  if (el.type === 'overflow') return ctx.style.dim('⋯');
  if (el.type === 'image') return '';
  const placeholder = plainOf(el.placeholder);
  return ctx.style.dim(`‹${placeholder || String(el.type)} ▾›`);
}

function fields(list: unknown[], ctx: Ctx): string[] {
  const texts = list.map((f) => textOf(f, ctx));
  const col = Math.max(1, Math.floor((ctx.width - 2) / 2));
  const lines: string[] = [];
  for (let i = 0; i < texts.length; i += 2) {
    const left = wrap(texts[i] ?? '', col);
    const right = wrap(texts[i + 1] ?? '', col);
    for (let r = 0; r < Math.max(left.length, right.length); r += 1) {
      const l = left[r] ?? '';
      const pad = ' '.repeat(Math.max(0, col - visibleLength(l)) + 2);
      lines.push(right[r] ? `${l}${pad}${right[r]}` : l);
    }
  }
  return lines;
}

function richText(el: unknown): string {
  if (!isObj(el)) return '';
  if (typeof el.text === 'string') return el.text;
  if (el.type === 'user' && typeof el.user_id === 'string') return `@${el.user_id}`;
  if (el.type === 'emoji' && typeof el.name === 'string') return `:${el.name}:`;
  if (el.type === 'link' && typeof el.url === 'string') return el.url;
  const children = Array.isArray(el.elements) ? el.elements.map(richText) : [];
  return children.join(el.type === 'rich_text_list' ? '\n• ' : '');
}

function block(b: Block, ctx: Ctx): string[] {
  const s = ctx.style;
  switch (b.type) {
    case 'header':
      return wrap(s.bold(`## ${plainOf(b.text)}`), ctx.width);
    case 'section': {
      const lines = b.text !== undefined ? wrap(textOf(b.text, ctx), ctx.width) : [];
      if (Array.isArray(b.fields)) lines.push(...fields(b.fields, ctx));
      const accessory = b.accessory !== undefined ? element(b.accessory, b, ctx) : '';
      if (accessory) lines.push(accessory);
      return lines;
    }
    case 'divider':
      return [s.dim('─'.repeat(Math.min(ctx.width, 60)))];
    case 'context': {
      const parts = (Array.isArray(b.elements) ? b.elements : [])
        .map((e) => (isObj(e) && e.type === 'image' ? '' : textOf(e, ctx)))
        .filter((t) => t !== '');
      return wrap(s.dim(parts.join(' · ')), ctx.width);
    }
    case 'actions':
    case 'context_actions': {
      const els = (Array.isArray(b.elements) ? b.elements : [])
        .map((e) => element(e, b, ctx))
        .filter(Boolean);
      return els.length > 0 ? [els.join('  ')] : [];
    }
    case 'image':
      return [s.dim(`🖼  ${typeof b.alt_text === 'string' ? b.alt_text : 'image'}`)];
    case 'markdown':
      return wrap(typeof b.text === 'string' ? b.text : '', ctx.width);
    case 'rich_text':
      return wrap(richText(b), ctx.width);
    case 'input':
      return [`${plainOf(b.label)}: ${element(b.element, b, ctx) || s.dim('[      ]')}`];
    case 'file':
      return [`📎 ${typeof b.external_id === 'string' ? b.external_id : 'file'}`];
    default:
      return [s.dim(`[${b.type}]`)];
  }
}

function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function author(m: MessageLike, opts: RenderOptions, s: Style): string | undefined {
  if (opts.showAuthor === false || (m.user === undefined && m.bot_id === undefined)) return undefined;
  const name = m.bot_id
    ? (opts.botName ?? 'ssec')
    : ((m.user && opts.users?.get(m.user)) ?? m.user ?? 'someone');
  const time = m.ts ? new Date(Number(m.ts.split('.')[0]) * 1000).toISOString().slice(11, 19) : '';
  const edited = m.edited ? ' (edited)' : '';
  return `${s.bold(name)}  ${s.dim(`${time}${edited}`)}`.trimEnd();
}

function body(m: MessageLike, ctx: Ctx): string[] {
  const lines: string[] = [];
  if (m.blocks && m.blocks.length > 0) for (const b of m.blocks) lines.push(...block(b, ctx));
  else if (m.text) lines.push(...wrap(mrkdwnToTerminal(m.text, ctx.style, { users: ctx.users }), ctx.width));
  for (const a of m.attachments ?? []) {
    if (!isObj(a)) continue;
    const t = typeof a.text === 'string' ? a.text : typeof a.fallback === 'string' ? a.fallback : '';
    if (t)
      lines.push(
        ...wrap(mrkdwnToTerminal(t, ctx.style, { users: ctx.users }), ctx.width - 2).map((l) => `┃ ${l}`),
      );
  }
  for (const f of m.files ?? []) {
    lines.push(
      `📎 ${f.name}${typeof f.size === 'number' && f.size > 0 ? ctx.style.dim(` (${humanSize(f.size)})`) : ''}`,
    );
  }
  return lines;
}

export function renderMessageWithChoices(m: MessageLike, opts: RenderOptions = {}): Rendered {
  const style = terminalStyle(opts.color ?? true);
  const ctx: Ctx = {
    style,
    width: opts.width ?? 100,
    users: opts.users,
    choices: [],
    next: opts.firstChoice ?? 1,
    where: {
      ...(m.channel ? { channel: m.channel } : {}),
      ...(m.ts ? { ts: m.ts } : {}),
      ...('source' in m ? { ephemeral: true } : {}),
    },
  };
  const head = author(m, opts, style);
  const lines = [...(head ? [head] : []), ...body(m, ctx)];
  return { text: lines.join('\n'), choices: ctx.choices };
}

export function renderMessage(m: MessageLike, opts: RenderOptions = {}): string {
  return renderMessageWithChoices(m, opts).text;
}

/** What renderThread reads: the stand-in, or anything that can list a thread and ephemerals. */
export interface ThreadSource {
  thread(channel: string, ts: string): StoredMessage[];
  ephemerals(filter?: { channel?: string; user?: string }): Ephemeral[];
}

export interface ThreadRenderOptions extends RenderOptions {
  /** Also show what only this user sees in the thread, marked as such. */
  ephemeralsFor?: string;
}

export function renderThreadWithChoices(
  source: ThreadSource,
  channel: string,
  ts: string,
  opts: ThreadRenderOptions = {},
): Rendered {
  const style = terminalStyle(opts.color ?? true);
  const width = opts.width ?? 100;
  const messages: MessageLike[] = [...source.thread(channel, ts)];
  if (opts.ephemeralsFor) {
    const own = source
      .ephemerals({ channel, user: opts.ephemeralsFor })
      .filter((e) => e.thread_ts === ts || e.ts === ts);
    messages.push(...own);
    messages.sort((a, b) => (a.ts ?? '').localeCompare(b.ts ?? ''));
  }
  const out: string[] = [];
  const choices: Choice[] = [];
  let next = opts.firstChoice ?? 1;
  for (const m of messages) {
    const isRoot = m.ts === ts;
    const indent = isRoot ? '' : '  │ ';
    const r = renderMessageWithChoices(m, { ...opts, width: width - indent.length, firstChoice: next });
    next += r.choices.length;
    choices.push(...r.choices);
    const lines = r.text.split('\n');
    if ('source' in m) lines.push(style.dim('(only visible to you)'));
    if (!isRoot && out.length > 0) out.push(style.dim('  │'));
    out.push(...lines.map((l) => `${indent}${l}`));
  }
  return { text: out.join('\n'), choices };
}

export function renderThread(
  source: ThreadSource,
  channel: string,
  ts: string,
  opts: ThreadRenderOptions = {},
): string {
  return renderThreadWithChoices(source, channel, ts, opts).text;
}
